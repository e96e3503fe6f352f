//go:build tools

// Package tools pins the Dapr module so `go mod tidy` keeps it.
package tools

import _ "github.com/dapr/dapr/pkg/buildinfo"
