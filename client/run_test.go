package client

import (
	"errors"
	"testing"
)

func TestExecReplyMapsTimedOutToErrTimedOut(t *testing.T) {
	if err := execReply("OK", nil); err != nil {
		t.Errorf("+OK gave %v", err)
	}
	if err := execReply("TIMEDOUT", nil); !errors.Is(err, ErrTimedOut) {
		t.Errorf("+TIMEDOUT gave %v", err)
	}
	boom := errors.New("ERR boom")
	if err := execReply(nil, boom); err != boom {
		t.Errorf("an error reply gave %v", err)
	}
	wrapped := opError("run model", "m", ErrTimedOut)
	if !errors.Is(wrapped, ErrTimedOut) || wrapped.Error() != `client: run model "m": timed out in the execution queue` {
		t.Errorf("wrapped: %v", wrapped)
	}
}
