/** Shelly counters and CoIoT serials are 16-bit and wrap: arithmetic on them goes through here. */
export const UINT16_MODULO = 0x10000;

/** How many steps forward `to` is from `from`, across a wrap (0 … 65535). */
export function uint16Ahead(from: number, to: number): number {
  return (((to - from) % UINT16_MODULO) + UINT16_MODULO) % UINT16_MODULO;
}
