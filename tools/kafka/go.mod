// kfake-broker: a Kafka-protocol broker for tests (tools/kafka/ensure.sh builds it).
// kfake has no tagged releases; this pseudo-version needs franz-go v1.22.x (its own
// go.mod says v1.21.7, which lacks kversion.EachSupportedFeature), hence the bump below.
module github.com/meridian/tools/kafka

go 1.26.0

require github.com/twmb/franz-go/pkg/kfake v0.0.0-20260918054303-01f206a7e32c

require (
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/pierrec/lz4/v4 v4.1.33 // indirect
	github.com/twmb/franz-go v1.22.3 // indirect
	github.com/twmb/franz-go/pkg/kmsg v1.15.1 // indirect
)
