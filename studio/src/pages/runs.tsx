import { Placeholder } from './placeholder';

/** Runs in flight across the gateway (the `runs` query and `runsChanged` subscription): filled in with those fields. */
export function RunsPage() {
  return <Placeholder title="Runs">Runs in flight across the gateway will be listed here, live, with their event timelines.</Placeholder>;
}
