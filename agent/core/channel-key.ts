/** The one name of a doorbell input, `<device id>#<input index>`, used as a map and store key everywhere. */
export function channelKey(device: string, input: number): string {
  return `${device}#${input}`;
}
