import type { Config } from '../config/schema.ts';
import { AddressPins, type AddressPinsOptions } from '../security/address-pins.ts';
import { SourceRateLimiter } from '../security/rate-limit.ts';
import type { PipelineSecurity } from './pipeline.ts';

/** The address pins `security.*` asks for, or undefined when pinning is off. */
export function pinsFrom(config: Config, onChange?: AddressPinsOptions['onChange']): AddressPins | undefined {
  if (!config.security.pin_addresses) return undefined;
  return new AddressPins({
    devices: config.devices.map((d) => ({ id: d.id, address: d.address })),
    discovery: config.security.discovery,
    ...(onChange ? { onChange } : {}),
  });
}

export function rateLimiterFrom(config: Config): SourceRateLimiter {
  const s = config.security;
  return new SourceRateLimiter({
    ratePerS: s.rate_per_source,
    burst: s.burst_per_source,
    sharedRatePerS: s.rate_unpinned,
    maxSources: s.max_sources,
  });
}

/** Pins (persisted state: they outlive a restart) and a fresh rate limiter (memory only). */
export function securityFrom(config: Config, pins: AddressPins | undefined): PipelineSecurity {
  return { ...(pins ? { pins } : {}), limiter: rateLimiterFrom(config) };
}
