import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SourceRateLimiter } from '../../../agent/security/rate-limit.ts';

const options = { ratePerS: 10, burst: 5, sharedRatePerS: 100, maxSources: 64 };

describe('SourceRateLimiter', () => {
  it('lets a burst through, then the rate', () => {
    const limiter = new SourceRateLimiter(options);
    const allowed = Array.from({ length: 8 }, () => limiter.allow('10.0.0.1', 1, 0)).filter(Boolean);
    expect(allowed).toHaveLength(5);
    expect(limiter.allow('10.0.0.1', 1, 50)).toBe(false); // half a token
    expect(limiter.allow('10.0.0.1', 1, 100)).toBe(true);
    expect(limiter.stats.droppedSource).toBe(4);
  });

  it('keeps a known device going while a flood from forged addresses empties the shared bucket', () => {
    const limiter = new SourceRateLimiter(options);
    let passed = 0;
    for (let i = 0; i < 10_000; i++) if (limiter.allow(`10.1.${i >> 8}.${i & 255}`, 0, i / 10)) passed++;
    expect(passed).toBeLessThanOrEqual(100 + 100); // one second of shared rate plus its bucket
    expect(limiter.allow('10.0.0.1', 1, 1_000)).toBe(true);
    expect(limiter.size).toBeLessThanOrEqual(64);
  });

  it('gives every device pinned to one address its own budget (a host carrying many devices)', () => {
    const limiter = new SourceRateLimiter(options);
    // First contacts in one burst: each newly pinned device brings its own burst.
    for (let pinned = 0; pinned < 200; pinned++) expect(limiter.allow('gw', pinned, 0)).toBe(true);
    let passed = 0;
    for (let i = 0; i < 5_000; i++) if (limiter.allow('gw', 200, 1 + i / 10)) passed++;
    expect(passed).toBeLessThanOrEqual(200 * options.burst + 200 * options.ratePerS * 0.5 + 1);
    expect(passed).toBeGreaterThan(200 * options.burst - 200);
  });

  it('does not refill on a clock jumping backwards, and refills at most a bucket on a jump forwards', () => {
    const limiter = new SourceRateLimiter(options);
    for (let i = 0; i < 5; i++) limiter.allow('a', 1, 1_000_000);
    expect(limiter.allow('a', 1, 0)).toBe(false);
    const afterJump = Array.from({ length: 10 }, () => limiter.allow('a', 1, 9e12)).filter(Boolean);
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
            if (limiter.allow(`s${source}`, 1, now) && source === 0) allowed0++;
            small.allow(`s${source}`, 0, now);
            expect(small.size).toBeLessThanOrEqual(4);
          }
          expect(allowed0).toBeLessThanOrEqual(options.burst + (elapsed * options.ratePerS) / 1000 + 1e-9);
        },
      ),
    );
  });
});
