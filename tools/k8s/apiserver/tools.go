//go:build tools

// Package tools pins the two programs that tools/k8s/ensure-apiserver.sh builds, so that
// `go mod tidy` keeps their dependencies: kube-apiserver, and etcd (the root package of
// go.etcd.io/etcd/server/v3 is etcd's main).
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
