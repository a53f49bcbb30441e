import type { Scheduler } from '../emulator/scheduler.ts';

/** Whole-system events a run can be put through, at times in seconds from its start. */
export type ScriptStep =
  | { atS: number; action: 'device-reboot'; device: number }
  | { atS: number; action: 'agent-restart' }
  | { atS: number; action: 'broker-outage'; durationS: number };

export interface ScriptTargets {
  rebootDevice(index: number): void;
  restartAgent(): Promise<void>;
  stopBroker(): Promise<void>;
  startBroker(): Promise<void>;
}

export interface RunningScript {
  /** Resolves when every step (and every outage) has finished. */
  done: Promise<void>;
  cancel(): void;
}

export function describeStep(step: ScriptStep): string {
  switch (step.action) {
    case 'device-reboot':
      return `t=${step.atS}s reboot device ${step.device}`;
    case 'agent-restart':
      return `t=${step.atS}s restart the agent`;
    case 'broker-outage':
      return `t=${step.atS}s broker down for ${step.durationS}s`;
  }
}

/** Plays a script against live targets on `scheduler`. Steps that fail reject `done`. */
export function runScript(
  steps: readonly ScriptStep[],
  targets: ScriptTargets,
  scheduler: Scheduler,
): RunningScript {
  const cancels: Array<() => void> = [];
  const jobs = steps.map(
    (step) =>
      new Promise<void>((resolve, reject) => {
        cancels.push(
          scheduler.after(step.atS * 1000, () => {
            const run = async () => {
              if (step.action === 'device-reboot') targets.rebootDevice(step.device);
              else if (step.action === 'agent-restart') await targets.restartAgent();
              else {
                await targets.stopBroker();
                await new Promise<void>((r) => cancels.push(scheduler.after(step.durationS * 1000, r)));
                await targets.startBroker();
              }
            };
            run().then(resolve, reject);
          }),
        );
      }),
  );
  return {
    done: Promise.all(jobs).then(() => {}),
    cancel: () => {
      for (const cancel of cancels) cancel();
    },
  };
}
