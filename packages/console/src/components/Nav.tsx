import { useEffect, useState } from 'preact/hooks';
import { hrefFor, type Route } from '../router.ts';
import { Link } from './Link.tsx';

const ITEMS: { label: string; route: Route; pages: Route['page'][] }[] = [
  { label: 'Models', route: { page: 'models' }, pages: ['models', 'model'] },
  { label: 'Training runs', route: { page: 'runs' }, pages: ['runs', 'run'] },
  { label: 'Pipeline', route: { page: 'pipeline' }, pages: ['pipeline'] },
  { label: 'Alerts', route: { page: 'alerts' }, pages: ['alerts'] },
  { label: 'Agents', route: { page: 'agents' }, pages: ['agents'] },
];

/** The main navigation; on a narrow screen it folds behind a "Menu" button. */
export function Nav(props: { route: Route }) {
  const [open, setOpen] = useState(false);
  // A page change closes the folded menu.
  useEffect(() => setOpen(false), [props.route]);
  return (
    <nav aria-label="Main" class={open ? 'nav open' : 'nav'}>
      <button
        type="button"
        class="nav-toggle"
        aria-expanded={open}
        aria-controls="main-nav-list"
        onClick={() => setOpen(!open)}
      >
        Menu
      </button>
      <ul id="main-nav-list">
        {ITEMS.map((item) => (
          <li key={item.label}>
            <Link href={hrefFor(item.route)} current={item.pages.includes(props.route.page)}>
              {item.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
