import { builder } from '../schema/builder.js';
import { Health } from '../schema/health.js';

builder.queryField('health', (t) =>
  t.field({
    type: Health,
    description: 'Whether the gateway and its database answer. The only field open to anonymous callers.',
    resolve: (_root, _args, { orchestrator }) => orchestrator.health(),
  }),
);
