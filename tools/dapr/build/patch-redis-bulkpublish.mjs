// Patches Dapr's Redis Streams pub/sub (components-contrib pubsub/redis) in the copy our build
// compiles. The problem: the component has no bulk publish of its own, so Dapr publishes a bulk
// of n events as n XADD round trips, a goroutine each. Ingestion publishes its batches in bulk
// (1,000 records), and with Redis Streams as the broker that was most of its sidecar's work in
// `npm run bench:pipeline` once its idempotency marks went in transactions.
// The patch gives the component a BulkPublish that sends the XADDs, with the same fields and the
// same trimming (MAXLEN or MINID, approximate) as Publish, in one MULTI/EXEC. When that call
// fails every entry is reported failed: the caller publishes them again, and as with any retried
// publish some may then be delivered twice (publishing is at least once; consumers dedupe).
// Usage: node patch-redis-bulkpublish.mjs <components-contrib source dir>
import { patchSource } from './source-patch.mjs';

const marker = 'meridian: bulk publish in one round trip';

patchSource({
  name: 'patch-redis-bulkpublish',
  path: ['pubsub', 'redis', 'redis.go'],
  marker,
  apply: (original, { fail }) => {
    let source = original;

    const features = 'func (r *redisStreams) Features() []pubsub.Feature {\n\treturn nil\n}';
    if (!source.includes(features)) fail('Features() answering nil');
    for (const needed of [
      'redisPayload := map[string]interface{}{"data": req.Data}',
      'r.client.XAdd(ctx, req.Topic, r.clientSettings.MaxLenApprox, r.clientSettings.GetMinID(time.Now()), redisPayload)',
    ]) {
      if (!source.includes(needed)) fail(needed);
    }
    if (/\nfunc \(r \*redisStreams\) BulkPublish\(/.test(source)) fail('no BulkPublish of its own (it has one now)');

    source = source.replace(
      features,
      `// ${marker}: BulkPublish below.
func (r *redisStreams) Features() []pubsub.Feature {
	return []pubsub.Feature{pubsub.FeatureBulkPublish}
}

// BulkPublish sends every entry's XADD, as Publish sends one, in one MULTI/EXEC.
func (r *redisStreams) BulkPublish(ctx context.Context, req *pubsub.BulkPublishRequest) (pubsub.BulkPublishResponse, error) {
	if r.closed.Load() {
		return pubsub.BulkPublishResponse{}, pubsub.NewTerminalError(errors.New("component is closed"))
	}
	if len(req.Entries) == 0 {
		return pubsub.BulkPublishResponse{}, nil
	}
	trim := []interface{}{}
	if r.clientSettings.MaxLenApprox > 0 {
		trim = append(trim, "MAXLEN", "~", r.clientSettings.MaxLenApprox)
	} else if minID := r.clientSettings.GetMinID(time.Now()); minID != "" {
		trim = append(trim, "MINID", "~", minID)
	}
	pipe := r.client.TxPipeline()
	for _, entry := range req.Entries {
		args := append([]interface{}{"XADD", req.Topic}, trim...)
		args = append(args, "*", "data", entry.Event)
		if entry.Metadata != nil {
			serializedMetadata, err := json.Marshal(entry.Metadata)
			if err != nil {
				return pubsub.NewBulkPublishResponse(req.Entries, err), pubsub.NewTerminalError(err)
			}
			args = append(args, "metadata", serializedMetadata)
		}
		pipe.Do(ctx, args...)
	}
	if err := pipe.Exec(ctx); err != nil {
		err = fmt.Errorf("redis streams: error from bulk publish: %w", err)
		return pubsub.NewBulkPublishResponse(req.Entries, err), err
	}
	return pubsub.BulkPublishResponse{}, nil
}`,
    );
    return source;
  },
});
