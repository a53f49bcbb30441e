import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SourceRateLimiter } from '../../../agent/security/rate-limit.ts';

const options = { ratePerS: 10, burst: 5, sharedRatePerS: 100, maxSources: 64 };

describe('SourceRateLimiter', () => {
  it('lets a burst through, then the rate', () => {
    const limiter = new SourceRateLimiter(options);
    const allowed = Array.from({ length: 8 }, () => limiter.allow('10.0.0.1', true, 0)).filter(Boolean);
    expect(allowed).toHaveLength(5);
    expect(limiter.allow('10.0.0.1', true, 50)).toBe(false); // half a token
    expect(limiter.allow('10.0.0.1', true, 100)).toBe(true);
    expect(limiter.stats.droppedSource).toBe(4);
  });

  it('keeps a known device going while a flood from forged addresses empties the shared bucket', () => {
    const limiter = new SourceRateLimiter(options);
    let passed = 0;
    for (let i = 0; i < 10_000; i++) if (limiter.allow(`10.1.${i >> 8}.${i & 255}`, false, i / 10)) passed++;
    expect(passed).toBeLessThanOrEqual(100 + 100); // one second of shared rate plus its bucket
    expect(limiter.allow('10.0.0.1', true, 1_000)).toBe(true);
    expect(limiter.size).toBeLessThanOrEqual(64);
  });

  it('does not refill on a clock jumping backwards, and refills at most a bucket on a jump forwards', () => {
    const limiter = new SourceRateLimiter(options);
    for (let i = 0; i < 5; i++) limiter.allow('a', true, 1_000_000);
    expect(limiter.allow('a', true, 0)).toBe(false);
    const afterJump = Array.from({ length: 10 }, () => limiter.allow('a', true, 9e12)).filter(Boolean);
    expect(afterJump).toHaveLength(5);
  });

  it('never allows more than burst + rate × time from one source, and never tracks more than maxSources (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 10 }), fc.integer({ min: -1_000, max: 2_000 })), {
          maxLength: 500,
        }),
        (steps) => {
          const limiter = new SourceRateLimiter({ ...options, maxSources: 16 });
          const small = new SourceRateLimiter({ ...options, maxSources: 4 });
          let now = 0;
          let elapsed = 0;
          let allowed0 = 0;
          for (const [source, dt] of steps) {
            now += dt;
            if (dt > 0) elapsed += dt;
            if (limiter.allow(`s${source}`, true, now) && source === 0) allowed0++;
            small.allow(`s${source}`, false, now);
            expect(small.size).toBeLessThanOrEqual(4);
          }
          expect(allowed0).toBeLessThanOrEqual(options.burst + (elapsed * options.ratePerS) / 1000 + 1e-9);
        },
      ),
    );
  });
});
