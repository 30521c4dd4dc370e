import { PageHeader } from '../ui';

/** A page whose GraphQL fields are still being added to the API: it says so instead of fetching around it. */
export function Placeholder({ title, children }: { title: string; children: string }) {
  return (
    <section aria-labelledby="page-title">
      <PageHeader title={title} />
      <p class="muted">{children}</p>
    </section>
  );
}
