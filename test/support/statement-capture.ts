import type { CompiledQuery, Kysely, KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

/** Keeps the statements run through `db.withPlugin(capture)`, compiled with their parameters (to EXPLAIN a store's own query). */
export class StatementCapture implements KyselyPlugin {
  readonly statements: CompiledQuery[] = [];
  constructor(private readonly db: Kysely<any>) {}
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.statements.push(this.db.getExecutor().compileQuery(args.node, args.queryId));
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}
