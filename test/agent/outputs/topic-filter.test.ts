import { describe, expect, it } from 'vitest';
import { topicMatches } from '../../../agent/outputs/topic-filter.ts';

describe('topicMatches', () => {
  it.each([
    ['shellies/+/input/+', 'shellies/shellyuni-1/input/0', true],
    ['shellies/+/input/+', 'shellies/shellyuni-1/input', false],
    ['shellies/+/input/+', 'shellies/shellyuni-1/input/0/x', false],
    ['shellies/#', 'shellies', true],
    ['shellies/#', 'shellies/a/b/c', true],
    ['#', 'anything/at/all', true],
    ['#', '$SYS/broker/uptime', false],
    ['+/status', '$SYS/status', false],
    ['homeassistant/status', 'homeassistant/status', true],
    ['homeassistant/status', 'homeassistant/statuses', false],
    ['a/+/c', 'a//c', true],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});
