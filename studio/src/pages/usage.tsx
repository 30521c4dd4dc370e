import { Placeholder } from './placeholder';

/** Spend and tokens from the usage ledger, and budgets (the `usage` and `budgets` fields): filled in with those fields. */
export function UsagePage() {
  return <Placeholder title="Usage">Spend and tokens by user, key, agent and model, and the budgets with what is left, will be shown here.</Placeholder>;
}
