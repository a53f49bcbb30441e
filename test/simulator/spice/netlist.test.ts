import { describe, expect, it } from 'vitest';
import { formatNumber, formatStepPwl, renderNetlist } from '../../../simulator/spice/netlist.ts';

describe('renderNetlist', () => {
  it('fills values and keeps flag blocks only when set', () => {
    const t = 'R1 a b {{r}}\n{{#kit}}\nS1 a 0 c 0 SW\n{{/kit}}\n.end\n';
    expect(renderNetlist(t, { r: 49, kit: false })).toBe('R1 a b 49\n.end\n');
    expect(renderNetlist(t, { r: 0.1, kit: true })).toBe('R1 a b 0.1\nS1 a 0 c 0 SW\n.end\n');
  });

  it('refuses a template value it was not given', () => {
    expect(() => renderNetlist('R1 a b {{r}}', {})).toThrow(/r/);
  });

  it('writes numbers ngspice reads', () => {
    expect(formatNumber(1 / 3)).toBe('0.333333333');
    expect(formatNumber(1e-9)).toBe('1e-9');
    expect(() => formatNumber(Number.NaN)).toThrow();
  });
});

describe('formatStepPwl', () => {
  it('is 1 inside each interval and 0 outside', () => {
    expect(formatStepPwl([[0.3, 2.3]], 3)).toBe('0 0 0.3 0 0.3001 1 2.3 1 2.3001 0 3 0');
  });
});
