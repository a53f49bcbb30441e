/** Where an emulated device's traffic leaves it: a function that sends one item now. */
export type Outbound<T> = (item: T) => void;

/** A hook between a device and the wire (fault injection, recording): wraps the real sender. */
export type Through<T> = (send: Outbound<T>) => Outbound<T>;

export const direct = <T>(send: Outbound<T>): Outbound<T> => send;
