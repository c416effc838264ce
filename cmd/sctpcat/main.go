// Command sctpcat is a netcat and iperf for usctp: SCTP (RFC 9260) over
// UDP encapsulation (RFC 6951), no kernel support needed.
//
//	sctpcat listen  [flags] [HOST:]PORT   serve (print, echo or discard)
//	sctpcat connect [flags] HOST:PORT     stdin lines out, messages in
//	sctpcat perf    [flags] [HOST:PORT]   throughput / latency test
//
// Run "sctpcat CMD -h" for the flags of a command.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

const usage = `usage:
  sctpcat listen  [flags] [HOST:]PORT   serve SCTP port PORT (all addresses without HOST)
  sctpcat connect [flags] HOST:PORT     send stdin lines as messages, print what comes back
  sctpcat perf    [flags] [HOST:PORT]   throughput/latency; no address: both ends in this process

SCTP runs over UDP encapsulation (RFC 6951, UDP port 9899 by default).
Run "sctpcat COMMAND -h" for the flags of a command.
`

// Exit codes.
const (
	exitOK          = 0
	exitFail        = 1   // runtime error: unreachable, aborted, port in use, ...
	exitUsage       = 2   // bad flag or address
	exitInterrupted = 130 // SIGINT / SIGTERM
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// env is what a command reads and writes.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// run executes one command line and returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "listen":
		err = cmdListen(e, args[1:])
	case "connect":
		err = cmdConnect(e, args[1:])
	case "perf":
		err = cmdPerf(e, args[1:])
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		err = usageErr("unknown command %q (want listen, connect or perf)", args[0])
	}
	return e.exit(err)
}

// exit prints err as one line on stderr and maps it to an exit code.
func (e *env) exit(err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	}
	fmt.Fprintln(e.stderr, "sctpcat: "+oneLine(describe(err)))
	var ue *usageError
	switch {
	case errors.As(err, &ue):
		return exitUsage
	case errors.Is(err, errInterrupted):
		return exitInterrupted
	}
	return exitFail
}

func oneLine(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ") }

// usageError is a bad flag, argument or address.
type usageError struct{ msg string }

func (u *usageError) Error() string { return u.msg }

func usageErr(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// parseFlags parses args with fs, allowing flags after the positional
// arguments too ("sctpcat connect 127.0.0.1:7 -v"). It returns the
// positional arguments.
func parseFlags(fs *flag.FlagSet, args []string, cmdUsage string, e *env) ([]string, error) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(e.stdout, cmdUsage)
				fs.SetOutput(e.stdout)
				fs.PrintDefaults()
				return nil, err
			}
			return nil, usageErr("%s: %v (see sctpcat %s -h)", fs.Name(), err, fs.Name())
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
