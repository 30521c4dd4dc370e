import { builder } from '../schema/builder.js';
import { UsageDimension, UsageFilter, UsageReport } from '../schema/usage.js';

builder.queryField('usage', (t) =>
  t.field({
    type: UsageReport,
    description:
      'Tokens and cost of model calls from the usage ledger over [from, to), grouped by any of USER, KEY, AGENT, MODEL, PURPOSE and a UTC DAY or HOUR. ' +
      'A user reads their own calls; an admin everyone’s, or one user’s. At most 400 days (31 grouped by HOUR) and 10,000 groups.',
    args: {
      from: t.arg({ type: 'DateTime', description: 'Start (included); 30 days before `to` when absent.' }),
      to: t.arg({ type: 'DateTime', description: 'End (excluded); now when absent.' }),
      groupBy: t.arg({ type: [UsageDimension], description: 'Dimensions to group by; none: totals only.' }),
      filter: t.arg({ type: UsageFilter, description: 'Narrows the calls read.' }),
      userId: t.arg.id({ description: 'Act for this user (admins and unbound user keys); a JWT acts for its own user.' }),
    },
    resolve: (_root, args, { orchestrator, principal }) => orchestrator.usageReports.report(principal, args),
  }),
);
