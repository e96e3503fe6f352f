// Patches the Dapr CLI (pkg/metadata/metadata.go) in the copy tools/dapr/ensure-cli.sh builds:
// `dapr run` records each app's run (cliPID, runTemplatePath, ...) in its daprd's metadata, and
// `dapr list` and `dapr stop -f .` read it back, but CLI 1.12 sends no API token on those calls,
// and every Meridian sidecar requires one. The patch sends DAPR_API_TOKEN from the CLI's
// environment as `dapr-api-token` when it is set (the environment `dapr run` was started in).
// It also gives each metadata write a minute and a half to reach its daprd instead of 15 s:
// the CLI writes as soon as it has started a daprd, and on a loaded machine a daprd can take
// longer than that to listen; the CLI then went on without that record (a run `dapr list`
// showed with cliPID 0, which `dapr stop -f .` cannot stop). Ctrl-C (or SIGTERM) ends the wait
// at once, and once a daprd's port has used up its wait, its next writes try once: a daprd that
// died does not hold the run for a minute and a half per record.
// Usage: node patch-cli-token.mjs <dapr/cli source dir>
import { patchSource } from './source-patch.mjs';

const marker = 'meridian: the API token on metadata calls';
const edits = [
  [
    '\tr, err := httpc.Get(url)\n',
    `\t// ${marker}\n\tgetReq, err := http.NewRequest(http.MethodGet, url, nil)\n\tif err != nil {\n\t\treturn nil, err\n\t}\n\tif token := os.Getenv("DAPR_API_TOKEN"); token != "" {\n\t\tgetReq.Header.Set("dapr-api-token", token)\n\t}\n\tr, err := httpc.Do(getReq)\n`,
  ],
  ['\t"os"\n', '\t"os"\n\t"os/signal"\n'],
  ['\t"strings"\n', '\t"strings"\n\t"sync"\n\t"syscall"\n\t"time"\n'],
  [
    '\tclient.Logger = nil\n',
    `\tclient.Logger = nil\n\t// a daprd slow to listen: about 90 s of retries, a second apart; once only for a port that used them up\n\tclient.RetryMax = 90\n\tclient.RetryWaitMin = time.Second\n\tclient.RetryWaitMax = time.Second\n\tgaveUpKey := fmt.Sprint(httpPort, "/", appID)\n\tif _, gaveUp := putGaveUp.Load(gaveUpKey); gaveUp {\n\t\tclient.RetryMax = 0\n\t}\n`,
  ],
  [
    '\treq, err := retryablehttp.NewRequest(http.MethodPut, url, strings.NewReader(value))\n',
    `\t// Ctrl-C ends the retries at once (the CLI's own handler gets the signal too).\n\tctx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)\n\tdefer stopSignals()\n\treq, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPut, url, strings.NewReader(value))\n`,
  ],
  [
    '\tr, err := client.Do(req)\n\tif err != nil {\n\t\treturn err\n\t}\n',
    `\tif token := os.Getenv("DAPR_API_TOKEN"); token != "" {\n\t\treq.Header.Set("dapr-api-token", token)\n\t}\n\tr, err := client.Do(req)\n\tif err != nil {\n\t\tputGaveUp.Store(gaveUpKey, true)\n\t\treturn err\n\t}\n`,
  ],
];
patchSource({
  name: 'patch-cli-token',
  path: ['pkg', 'metadata', 'metadata.go'],
  marker,
  apply: (source, { need }) => {
    let patched = source;
    for (const [anchor, replacement] of edits) {
      need(anchor);
      patched = patched.replace(anchor, replacement);
    }
    return `${patched}
// putGaveUp holds the daprd (HTTP port and app id) whose metadata write used up its retries.
var putGaveUp sync.Map
`;
  },
});
