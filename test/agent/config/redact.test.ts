import { describe, expect, it } from 'vitest';
import { REDACTED, redactConfig, redactUrl } from '../../../agent/config/redact.ts';
import { configSchema } from '../../../agent/config/schema.ts';

describe('redactConfig', () => {
  it('hides the password and a password in the URL, and leaves the config itself alone', () => {
    const config = configSchema.parse({
      mqtt: { url: 'mqtt://agent:url-secret@broker:1883', username: 'agent', password: 'pw-secret' },
    });
    const redacted = redactConfig(config);
    const text = JSON.stringify(redacted);
    expect(text).not.toContain('pw-secret');
    expect(text).not.toContain('url-secret');
    expect(redacted.mqtt.password).toBe(REDACTED);
    expect(redacted.mqtt.username).toBe('agent');
    expect(redacted.mqtt.url).toBe('mqtt://agent:***@broker:1883');
    expect(config.mqtt.password).toBe('pw-secret');
  });

  it('leaves an unset password null', () => {
    expect(redactConfig(configSchema.parse({})).mqtt.password).toBeNull();
  });

  it('leaves URLs without a password unchanged', () => {
    expect(redactUrl('mqtt://broker:1883')).toBe('mqtt://broker:1883');
    expect(redactUrl('mqtt://user@broker')).toBe('mqtt://user@broker');
  });
});
