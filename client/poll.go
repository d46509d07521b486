package client

import (
	"context"
	"fmt"
	"time"
)

// PollTensor checks up to tries times, interval apart, whether the tensor name exists (get prefix),
// as SmartRedis's poll_tensor(name, poll_frequency_ms, num_tries). It returns false when it never
// appeared; an error only when the database could not be asked or ctx ended.
func (c *Client) PollTensor(ctx context.Context, name string, interval time.Duration, tries int) (bool, error) {
	return c.poll(ctx, "poll tensor", c.prefixes.getKey(kindTensor, name), interval, tries)
}

// PollKey is PollTensor for a literal key (no prefix).
func (c *Client) PollKey(ctx context.Context, key string, interval time.Duration, tries int) (bool, error) {
	return c.poll(ctx, "poll key", key, interval, tries)
}

// PollModel is PollTensor for a model (model prefix rules; the lowest slot range's copy on a cluster).
func (c *Client) PollModel(ctx context.Context, name string, interval time.Duration, tries int) (bool, error) {
	return c.poll(ctx, "poll model", c.firstCopyKey(c.prefixes.getKey(kindModel, name)), interval, tries)
}

// PollDataset waits for the dataset name (get prefix) to be complete: HEXISTS {name}.meta .COMPLETE.
func (c *Client) PollDataset(ctx context.Context, name string, interval time.Duration, tries int) (bool, error) {
	return c.pollFn(ctx, tries, interval, func() (bool, error) { return c.DatasetExists(ctx, name) })
}

// PollListLength waits until the list name (get prefix) holds exactly length entries.
func (c *Client) PollListLength(ctx context.Context, name string, length int64, interval time.Duration, tries int) (bool, error) {
	return c.pollFn(ctx, tries, interval, func() (bool, error) {
		n, err := c.GetListLength(ctx, name)
		return n == length, err
	})
}

// PollListLengthGTE waits until the list name (get prefix) holds at least length entries.
func (c *Client) PollListLengthGTE(ctx context.Context, name string, length int64, interval time.Duration, tries int) (bool, error) {
	return c.pollFn(ctx, tries, interval, func() (bool, error) {
		n, err := c.GetListLength(ctx, name)
		return n >= length, err
	})
}

// PollListLengthLTE waits until the list name (get prefix) holds at most length entries.
func (c *Client) PollListLengthLTE(ctx context.Context, name string, length int64, interval time.Duration, tries int) (bool, error) {
	return c.pollFn(ctx, tries, interval, func() (bool, error) {
		n, err := c.GetListLength(ctx, name)
		return n <= length, err
	})
}

func (c *Client) poll(ctx context.Context, op, key string, interval time.Duration, tries int) (bool, error) {
	return c.pollFn(ctx, tries, interval, func() (bool, error) { return c.exists(ctx, op, key) })
}

// pollFn runs check up to tries times with interval between attempts.
func (c *Client) pollFn(ctx context.Context, tries int, interval time.Duration, check func() (bool, error)) (bool, error) {
	if tries < 1 {
		return false, fmt.Errorf("client: poll: tries must be at least 1, not %d", tries)
	}
	if interval < 0 {
		return false, fmt.Errorf("client: poll: interval must not be negative (%v)", interval)
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for i := 0; i < tries; i++ {
		ok, err := check()
		if err != nil || ok {
			return ok, err
		}
		if i == tries-1 {
			break
		}
		timer.Reset(interval)
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-timer.C:
		}
	}
	return false, nil
}
