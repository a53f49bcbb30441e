import { createInterface } from 'node:readline/promises';

/** Can we ask the person running this? Only when both ends are a terminal. */
export function canAsk(): boolean {
  return process.stdin.isTTY === true && process.stdout.isTTY === true;
}

/** One question on the terminal; the answer trimmed. */
export async function ask(question: string, output: NodeJS.WritableStream): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: output as NodeJS.WriteStream });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}
