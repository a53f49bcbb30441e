import { describe, expect, it } from 'vitest';
import { AddonOptionsError, addonConfig } from '../../../agent/config/ha-addon.ts';
import { configSchema } from '../../../agent/config/schema.ts';

/** What the Supervisor answers on GET /services/mqtt for the Mosquitto broker add-on (`port` is a string). */
const MQTT = {
  addon: 'core_mosquitto',
  host: 'core-mosquitto',
  port: '1883',
  ssl: false,
  username: 'addons',
  password: 'Eeghoh6z',
  protocol: '3.1.1',
};
const PLACE = { dataDir: '/data', shareDir: '/share', ingress: { host: '172.30.32.1', port: 63812 } };

const problems = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (error) {
    if (error instanceof AddonOptionsError) return error.problems;
    throw error;
  }
  return [];
};

describe('Home Assistant add-on options → agent configuration', () => {
  it('maps every doorbell option, the broker service and the ingress listener', () => {
    const { config, password } = addonConfig(
      {
        doorbells: [
          {
            id: 'shellyuni-98CDAC25ABCD',
            name: 'Front door',
            input: 1,
            chime: 'electronic',
            duration_s: 5,
            address: '192.168.20.31',
            battery_installed: '2026-01-15',
            battery_adc: false,
            battery_chemistry: 'lithium_fes2',
            battery_cells: 2,
            wiring_plot: 'doorbell-agent/front.svg',
          },
          { id: 'shellyplusuni-e465b847ca44' },
        ],
        coiot_peers: ['192.168.30.12'],
        base_topic: 'home/doorbell',
        log_level: 'debug',
      },
      MQTT,
      PLACE,
    );
    expect(password).toBe('Eeghoh6z');
    expect(config).toEqual({
      mqtt: {
        url: 'mqtt://core-mosquitto:1883',
        username: 'addons',
        password_file: '/data/mqtt-password',
        base_topic: 'home/doorbell',
      },
      coiot: { multicast: true, peers: ['192.168.30.12'] },
      store: { path: '/data/doorbell-agent.sqlite' },
      log: { level: 'debug', format: 'text' },
      // Ingress: HA's docs ask that only the Supervisor (172.30.32.2) may connect.
      metrics: { enabled: true, host: '172.30.32.1', port: 63812, allow_from: ['172.30.32.2'] },
      devices: [
        {
          id: 'shellyuni-98CDAC25ABCD',
          name: 'Front door',
          input: 1,
          address: '192.168.20.31',
          chime: { mode: 'electronic', duration_s: 5 },
          battery: { installed: '2026-01-15', adc: false, chemistry: 'lithium_fes2', cells: 2 },
          wiring_plot: '/share/doorbell-agent/front.svg',
        },
        { id: 'shellyplusuni-e465b847ca44', chime: { mode: 'mechanical' } },
      ],
    });
    // The agent's own schema accepts it, and never sees the password itself.
    expect(configSchema.safeParse(config).success).toBe(true);
    expect(JSON.stringify(config)).not.toContain('Eeghoh6z');
  });

  it('uses mqtts:// when the service says ssl, brackets an IPv6 host, and needs no password', () => {
    const { config, password } = addonConfig(
      { doorbells: [{ id: 'shellyuni-98CDAC25ABCD' }] },
      { host: 'fd00::5', port: 8883, ssl: true },
      { ...PLACE, ingress: null },
    );
    expect(config.mqtt).toEqual({ url: 'mqtts://[fd00::5]:8883' });
    expect(password).toBeNull();
    expect(config.metrics).toEqual({ enabled: false });
    expect(config.log).toEqual({ level: 'info', format: 'text' });
  });

  it("names each option that cannot be used as the add-on's Configuration tab does", () => {
    expect(problems(() => addonConfig({ doorbells: [] }, MQTT, PLACE))).toEqual([
      'doorbells: add at least one doorbell (its Shelly id, e.g. shellyuni-98CDAC25ABCD)',
    ]);
    expect(
      problems(() =>
        addonConfig(
          {
            doorbells: [
              { id: 'shellyuni-98CDAC25ABCD', chime: 'electronic' },
              { id: 'shellyuni-98CDAC25ABCD', wiring_plot: '../etc/passwd', battery_installed: '2026-13-45' },
              { id: 'doorbell', input: 9 },
              { id: 'shelly uni' },
            ],
            coiot_peers: ['300.1.1.1'],
          },
          MQTT,
          PLACE,
        ),
      ),
    ).toEqual([
      'doorbells[0].duration_s: required with chime: electronic (how long the doorbell holds, 1–60 s)',
      'doorbells[1].wiring_plot: must be a file in /share (e.g. doorbell-agent/front.svg)',
      expect.stringMatching(/^coiot_peers\[0\]: /),
      expect.stringMatching(/^doorbells\[1\]\.battery_installed: /),
      'doorbells[2].input: Too big: expected number to be <=3',
      'doorbells[2].id: not a Shelly id (shellyuni-<MAC>, shellyplusuni-<mac>)',
      expect.stringMatching(/^doorbells\[3\]\.id: must be a Shelly device id/),
    ]);
    const twice = {
      doorbells: [{ id: 'shellyuni-98CDAC25ABCD' }, { id: 'shellyuni-98CDAC25ABCD', input: 0 }],
    };
    expect(problems(() => addonConfig(twice, MQTT, PLACE))).toEqual([
      'doorbells[1].input: device shellyuni-98CDAC25ABCD input 0 is already configured at doorbells[0]',
    ]);
  });

  it('says when the MQTT service is missing or not what the Supervisor sends', () => {
    expect(problems(() => addonConfig({ doorbells: [{ id: 'shellyuni-98CDAC25ABCD' }] }, {}, PLACE))).toEqual(
      [
        expect.stringMatching(/^MQTT service \(is the Mosquitto broker add-on running\?\): host: /),
        expect.stringMatching(/^MQTT service \(is the Mosquitto broker add-on running\?\): port: /),
      ],
    );
  });
});
