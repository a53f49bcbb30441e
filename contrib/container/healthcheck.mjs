// The image's HEALTHCHECK: GET /healthz on the agent's metrics server (200 while the broker is reached, 503
// otherwise), on the port and address the environment gives it (DOORBELL_AGENT_METRICS_PORT/_HOST).
const port = process.env.DOORBELL_AGENT_METRICS_PORT ?? '9464';
const configured = process.env.DOORBELL_AGENT_METRICS_HOST ?? '127.0.0.1';
const host = configured === '0.0.0.0' || configured === '' ? '127.0.0.1' : configured;
try {
  const response = await fetch(`http://${host}:${port}/healthz`, { signal: AbortSignal.timeout(4000) });
  const body = await response.text();
  process.stdout.write(`${response.status} ${body.slice(0, 500)}\n`);
  process.exit(response.ok ? 0 : 1);
} catch (error) {
  process.stdout.write(`unreachable: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
