module github.com/usctp/sctp/bench

go 1.26.8

require (
	github.com/pion/logging v0.2.4
	github.com/pion/sctp v1.12.1
)

require (
	github.com/pion/randutil v0.1.0 // indirect
	github.com/pion/transport/v5 v5.1.4 // indirect
	golang.org/x/crypto v0.59.0 // indirect
)

require (
	github.com/usctp/sctp v0.0.0
	golang.org/x/sys v0.50.0
)

replace github.com/usctp/sctp => ../
