// Command kfake-broker is a single-node, Kafka-protocol broker for tests and
// local runs, built on franz-go's kfake (github.com/twmb/franz-go/pkg/kfake).
// It is not Apache Kafka: it keeps its log in memory (or in --data-dir), has
// no replication and speaks plaintext only. Topics are created on first use
// (produce/metadata with auto-creation), consumer groups work.
//
// It prints "listening on 127.0.0.1:<port>" once it accepts connections and
// exits cleanly on SIGTERM or SIGINT.
//
// With --advertised-addr host:port its metadata names that address instead of
// its own (Kafka's advertised.listeners): a client that bootstraps through a
// TCP proxy then stays on the proxy, so taking the proxy down is an outage.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	port := flag.Int("port", 9092, "port to listen on (127.0.0.1 only)")
	clusterID := flag.String("cluster-id", "meridian", "cluster id reported in metadata")
	partitions := flag.Int("partitions", 1, "partitions of an auto-created topic")
	dataDir := flag.String("data-dir", "", "persist the log and groups in this directory (default: memory only)")
	logLevel := flag.String("log-level", "warn", "none, error, warn, info or debug")
	advertisedAddr := flag.String("advertised-addr", "", "host:port the metadata names for this broker (default: the address it listens on)")
	flag.Parse()

	level := map[string]kfake.LogLevel{
		"none": kfake.LogLevelNone, "error": kfake.LogLevelError, "warn": kfake.LogLevelWarn,
		"info": kfake.LogLevelInfo, "debug": kfake.LogLevelDebug,
	}[strings.ToLower(*logLevel)]

	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.Ports(*port),
		kfake.ClusterID(*clusterID),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(*partitions),
		kfake.WithLogger(kfake.BasicLogger(os.Stderr, level)),
	}
	if *dataDir != "" {
		opts = append(opts, kfake.DataDir(*dataDir))
	}
	if *advertisedAddr != "" {
		addr, err := net.ResolveTCPAddr("tcp", *advertisedAddr)
		if err != nil {
			fmt.Fprintf(os.Stderr, "kfake-broker: --advertised-addr: %v\n", err)
			os.Exit(2)
		}
		// kfake advertises its listener's address: a listener that reports another one is how to change that.
		opts = append(opts, kfake.ListenFn(func(network, address string) (net.Listener, error) {
			ln, err := net.Listen(network, address)
			if err != nil {
				return nil, err
			}
			return advertisedListener{Listener: ln, addr: addr}, nil
		}))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kfake-broker: %v\n", err)
		os.Exit(1)
	}
	if *advertisedAddr != "" {
		// ListenAddrs reports the advertised address now.
		fmt.Printf("listening on 127.0.0.1:%d, advertising %s\n", *port, *advertisedAddr)
	} else {
		for _, addr := range c.ListenAddrs() {
			fmt.Printf("listening on %s\n", addr)
		}
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	<-sigs
	c.Close()
}

// advertisedListener is a listener that reports addr as its address.
type advertisedListener struct {
	net.Listener
	addr net.Addr
}

func (l advertisedListener) Addr() net.Addr { return l.addr }
