/** The events the agent decides, exactly as `docs/trace-format.md` prints them. */
export type Chime = 'mechanical' | 'electronic';
export type Via = 'coiot' | 'mqtt' | 'counter';

export interface RingEvent {
  type: 'ring';
  t: number;
  device: string;
  input: number;
  press_id: string;
  chime: Chime;
  hold_s: number | null;
  via: Via;
  recovered: boolean;
}

export type ProblemKind =
  | 'offline'
  | 'input_stuck'
  | 'chatter'
  | 'missed_reports'
  | 'battery_low'
  | 'wiring'
  | 'spoofed';

export interface ProblemEvent {
  type: 'problem';
  t: number;
  device: string;
  problem: ProblemKind;
  on: boolean;
  detail: string;
}

export interface BatteryEvent {
  type: 'battery';
  t: number;
  device: string;
  percent: number;
  volts: number | null;
  basis: 'adc' | 'model';
}

export type AgentEvent = RingEvent | ProblemEvent | BatteryEvent;
