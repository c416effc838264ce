module github.com/usctp/sctp

go 1.26.0

require (
	github.com/pion/logging v0.2.4
	golang.org/x/crypto v0.59.0
	golang.org/x/sys v0.50.0
)
