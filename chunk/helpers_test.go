package chunk

import (
	"errors"
)

func isErr(err, target error) bool {
	var pe *ParseError
	return errors.Is(err, target) && errors.As(err, &pe)
}
