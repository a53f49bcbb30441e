import type { Config } from './schema.ts';

export const REDACTED = '***';

/** The config as it may be logged: the password and any password inside the broker URL are replaced. */
export function redactConfig(config: Config): Config {
  const copy = structuredClone(config);
  if (copy.mqtt.password !== null) copy.mqtt.password = REDACTED;
  if (copy.embedded_broker.password !== null) copy.embedded_broker.password = REDACTED;
  if (copy.mqtt.url !== null) copy.mqtt.url = redactUrl(copy.mqtt.url);
  return copy;
}

/** `mqtt://user:secret@host` → `mqtt://user:***@host`; anything unparsable is returned unchanged. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = REDACTED;
    return parsed.toString();
  } catch {
    return url;
  }
}
