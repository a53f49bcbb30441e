import { InvalidDatagram } from '../core/errors.ts';

/**
 * Gen1 device type → MQTT id prefix. Sources: reference §0 (SHUNI-1 → shellyuni), §4.1 (`shelly1-…`,
 * `shellyswitch25-…`), §1 (`shellyrgbw2-…`), and a public Homey Shelly app's `deviceCodes` table for the rest.
 */
const MQTT_PREFIX: Readonly<Record<string, string>> = {
  'SHUNI-1': 'shellyuni',
  'SHSW-1': 'shelly1',
  'SHSW-PM': 'shelly1pm',
  'SHSW-25': 'shellyswitch25',
  'SHIX3-1': 'shellyix3',
  SHRGBW2: 'shellyrgbw2',
  'SHDM-2': 'shellydimmer2',
  'SHBTN-1': 'shellybutton1',
};

/** The id a Gen1 device uses on MQTT by default (`<model prefix>-<MAC>`); unknown types: `<type lowercased>-<id>`. */
export function shellyIdFor(deviceType: string, id: string): string {
  const prefix = MQTT_PREFIX[deviceType];
  return flat(prefix === undefined ? `${deviceType.toLowerCase()}-${id}` : `${prefix}-${id.toUpperCase()}`);
}

/**
 * The same characters in one piece. V8 keeps a string joined from parts as a tree of them, and a remembered
 * datagram's id is looked up in several maps for every re-send: comparing a tree costs more than comparing flat
 * bytes. (Ids are ASCII: checked by `DEVTYPE` and `DEVID`.)
 */
const flat = (joined: string): string => Buffer.from(joined, 'latin1').toString('latin1');

/** Option 3332 split and checked: `<type>#<id>#<version>`. */
export interface Devid {
  deviceType: string;
  /** MQTT-style Shelly id, e.g. `shellyuni-98CDAC25ABCD`. */
  deviceId: string;
  mac: string;
  protocolVersion: number;
}

const DEVTYPE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
const DEVID = /^[A-Za-z0-9]{1,32}$/;
const VERSION = /^[0-9]{1,3}$/;

/**
 * Option 3332 values already split and checked, by a hash of their bytes: a device sends the same one in every
 * datagram, so most datagrams cost a hash and a byte comparison, no string. Two ways per set (the one not used
 * last is replaced), so its memory is fixed whatever a flood of forged ids brings.
 */
const SETS = 2_048;
const slotBytes: Array<Buffer | undefined> = new Array(2 * SETS);
const slotDevid: Array<Devid | undefined> = new Array(2 * SETS);
/** Per set, the way to replace next. */
const victim = new Uint8Array(SETS);

/** The device id in `buf[start, end)`; throws `InvalidDatagram` if it is not `<type>#<id>#<version>`. */
export function devidAt(buf: Buffer, start: number, end: number): Devid {
  let hash = 0x811c9dc5; // FNV-1a
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ (buf[i] as number), 0x01000193);
  const set = hash & (SETS - 1);
  for (let way = 0; way < 2; way++) {
    const slot = 2 * set + way;
    const known = slotBytes[slot];
    if (known !== undefined && sameBytes(known, buf, start, end)) {
      victim[set] = 1 - way;
      return slotDevid[slot] as Devid;
    }
  }
  const devid = splitDevid(buf.toString('latin1', start, end));
  const way = victim[set] as number;
  slotBytes[2 * set + way] = Buffer.from(buf.subarray(start, end)); // a copy: the datagram is not kept alive
  slotDevid[2 * set + way] = devid;
  victim[set] = 1 - way;
  return devid;
}

function sameBytes(known: Buffer, buf: Buffer, start: number, end: number): boolean {
  if (known.length !== end - start) return false;
  for (let i = 0; i < known.length; i++) if (known[i] !== buf[start + i]) return false;
  return true;
}

function splitDevid(text: string): Devid {
  const parts = text.split('#');
  const [deviceType, id, version] = parts;
  if (
    parts.length !== 3 ||
    deviceType === undefined ||
    id === undefined ||
    version === undefined ||
    !DEVTYPE.test(deviceType) ||
    !DEVID.test(id) ||
    !VERSION.test(version)
  ) {
    throw new InvalidDatagram(`option 3332 ${JSON.stringify(text)} is not <type>#<id>#<version>`);
  }
  return {
    deviceType,
    deviceId: shellyIdFor(deviceType, id),
    mac: id.toUpperCase(),
    protocolVersion: Number(version),
  };
}
