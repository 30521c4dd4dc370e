import { Placeholder } from './placeholder';

/** The last hour of runs, latency, tokens and errors (a GraphQL metrics series field): filled in with that field. */
export function MetricsPage() {
  return <Placeholder title="Metrics">Charts of the last hour (runs per second, time to first token, tokens per second, errors, subscriptions) will be shown here.</Placeholder>;
}
