// Patches Dapr's SQLite name resolution (components-contrib nameresolution/sqlite) in the copy
// our build compiles. The problem: ResolveID runs an unprepared `SELECT … ORDER BY RANDOM()` on
// the SQLite file for every service invocation, with no cache. A CPU profile of the gateway's
// daprd under load (`npm run bench:inference -- --profile`) put 23 % of its CPU there.
// The patch keeps each app id's live addresses for a short time (RESOLVE_CACHE_TTL) and picks
// one at random per call, as the query did. An app id with no live host is never cached, so a
// new app is found on the first call after it registers. A host that stops is dropped from
// the table at once (it deregisters) but may be picked from the cache for up to the TTL; one
// that crashes stays in the table for the update interval (2 s in our Configuration), plus the TTL.
// Usage: node patch-nr-sqlite.mjs <components-contrib source dir>
import { patchSource } from './source-patch.mjs';

const marker = 'meridian: resolved addresses cached';

patchSource({
  name: 'patch-nr-sqlite',
  path: ['nameresolution', 'sqlite', 'sqlite.go'],
  marker,
  apply: (original, { fail }) => {
    let source = original;

    const resolveStart = '// ResolveID resolves name to address.\n';
    const resolveEnd = '// Removes the registration for the host\n';
    const from = source.indexOf(resolveStart);
    const to = source.indexOf(resolveEnd);
    if (from < 0 || to < from || !source.slice(from, to).includes('ORDER BY RANDOM()')) fail('ResolveID');
    const fields = '\twg             sync.WaitGroup\n}';
    if (!source.includes(fields)) fail('the resolver struct');
    const imports = 'import (\n\t"context"\n';
    if (!source.includes(imports)) fail('the import block');

    source = `${source.slice(0, from)}// ${marker}: how long an app id's live addresses are reused before the table is read again.
const RESOLVE_CACHE_TTL = 500 * time.Millisecond

type resolvedHosts struct {
	addresses []string
	expires   time.Time
}

// ResolveID resolves name to address: one of the app id's live hosts, at random.
func (s *resolver) ResolveID(ctx context.Context, req nameresolution.ResolveRequest) (string, error) {
	now := time.Now()
	s.resolvedLock.RLock()
	hosts, ok := s.resolved[req.ID]
	s.resolvedLock.RUnlock()
	if !ok || now.After(hosts.expires) {
		addresses, err := s.liveAddresses(ctx, req.ID)
		if err != nil {
			return "", err
		}
		hosts = resolvedHosts{addresses: addresses, expires: now.Add(RESOLVE_CACHE_TTL)}
		s.resolvedLock.Lock()
		if s.resolved == nil {
			s.resolved = make(map[string]resolvedHosts)
		}
		s.resolved[req.ID] = hosts
		s.resolvedLock.Unlock()
	}
	return hosts.addresses[mrand.IntN(len(hosts.addresses))], nil
}

// liveAddresses reads every address registered for the app id within the update interval.
func (s *resolver) liveAddresses(ctx context.Context, id string) ([]string, error) {
	queryCtx, queryCancel := context.WithTimeout(ctx, s.metadata.Timeout)
	defer queryCancel()

	//nolint:gosec
	q := fmt.Sprintf(
		\`SELECT address
		FROM %[1]s
		WHERE
			app_id = ?
			AND unixepoch(CURRENT_TIMESTAMP) - last_update < %[2]d\`,
		s.metadata.TableName,
		int(s.metadata.UpdateInterval.Seconds()),
	)
	rows, err := s.db.QueryContext(queryCtx, q, id)
	if err != nil {
		return nil, fmt.Errorf("failed to look up address: %w", err)
	}
	defer rows.Close()
	var addresses []string
	for rows.Next() {
		var address string
		if err := rows.Scan(&address); err != nil {
			return nil, fmt.Errorf("failed to look up address: %w", err)
		}
		addresses = append(addresses, address)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("failed to look up address: %w", err)
	}
	if len(addresses) == 0 {
		return nil, ErrNoHost
	}
	return addresses, nil
}

${source.slice(to)}`;
    source = source.replace(imports, `import (\n\t"context"\n\tmrand "math/rand/v2"\n`);
    source = source.replace(
      fields,
      `\twg             sync.WaitGroup\n\n\t// ${marker} per app id, for RESOLVE_CACHE_TTL.\n\tresolvedLock sync.RWMutex\n\tresolved     map[string]resolvedHosts\n}`,
    );

    // Sidecars that start together on a new file race to create its tables and to register: SQLite
    // answers SQLITE_BUSY to any that waited longer than the busy timeout, and daprd then runs on
    // without name resolution (unreachable by its app id; seen once at a fresh `npm start`).
    const migrations = `\terr = performMigrations(ctx, s.db, s.logger, migrationOptions{
\t\tHostsTableName:    s.metadata.TableName,
\t\tMetadataTableName: s.metadata.MetadataTableName,
\t})`;
    const register = '\terr = s.registerHost(ctx)\n';
    if (!source.includes(migrations)) fail('the migrations in Init');
    if (!source.includes(register)) fail('registerHost in Init');
    source = source.replace(
      migrations,
      `\terr = retryBusy(ctx, func() error {\n\t\treturn performMigrations(ctx, s.db, s.logger, migrationOptions{\n\t\t\tHostsTableName:    s.metadata.TableName,\n\t\t\tMetadataTableName: s.metadata.MetadataTableName,\n\t\t})\n\t})`,
    );
    source = source.replace(register, '\terr = retryBusy(ctx, func() error { return s.registerHost(ctx) })\n');
    source += `
// ${marker}; and retryBusy: a step that failed with SQLITE_BUSY (another sidecar holds the new
// file's lock) is tried again, at random intervals, for up to 30 seconds.
func retryBusy(ctx context.Context, step func() error) error {
\tdeadline := time.Now().Add(30 * time.Second)
\tfor {
\t\terr := step()
\t\tif err == nil || !strings.Contains(err.Error(), "SQLITE_BUSY") || time.Now().After(deadline) {
\t\t\treturn err
\t\t}
\t\tselect {
\t\tcase <-ctx.Done():
\t\t\treturn err
\t\tcase <-time.After(time.Duration(50+mrand.IntN(200)) * time.Millisecond):
\t\t}
\t}
}
`;
    return source;
  },
});
