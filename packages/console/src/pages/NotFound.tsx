import { Link } from '../components/Link.tsx';
import { PageHeading } from '../components/PageHeading.tsx';

export function NotFound() {
  return (
    <section>
      <PageHeading title="Not found" />
      <p>
        The console has no page at this address. <Link href="/console">See the models.</Link>
      </p>
    </section>
  );
}
