package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	core "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
)

// maxBatchSteps is Graph's limit: "JSON batch requests are currently limited to 20 individual
// requests" (Combine multiple HTTP requests using JSON batching).
const maxBatchSteps = 20

// Removal is one user's products to remove in a RemoveLicensesBatch.
type Removal struct {
	UserID string
	SKUIDs []string
}

// BatchResult is the outcome of one Removal: Err nil when Graph removed the products, else an
// error mapped as RemoveLicenses maps it (errors.Is / errors.As on the licensing reasons and
// *licensing.ThrottledError). RequestID is what support asks for: the step's request-id (its
// header, or its error body's innerError) when Graph gives one, otherwise the $batch call's.
type BatchResult struct {
	UserID    string
	RequestID string
	Err       error
}

// RemoveLicensesBatch removes products from many users with Graph's JSON batching: one
// POST /$batch per chunk of at most 20 assignLicense steps, chunks sent one after the other
// (callers wanting more throughput run several calls in parallel). It returns one result per
// removal, in the order given.
//
// Each step is answered on its own, as if sent alone: Graph evaluates "requests in a batch …
// individually against throttling limits", so one step can be 429 with its own Retry-After
// while the others succeed (Microsoft Graph throttling guidance, "Throttling and batching").
// A throttled step becomes a *licensing.ThrottledError with that step's Retry-After. When the
// $batch call itself fails (429, 5xx, no answer, an answer that is not a $batch answer),
// every removal of that chunk gets that error and later chunks are still sent; a step whose
// answer is missing, repeated, without status or, when successful, without the user gets an
// error wrapping ErrUnusableAnswer, never a success. A removal that is invalid before sending (no user, no
// product, a SKU that is not a GUID) gets the error RemoveLicenses gives and is not sent. When
// ctx ends, unsent removals get ctx's error.
//
// Nothing is retried here (see New): the job engine decides. A $batch that timed out may
// still have been applied by Graph; retrying such a removal answers licensing.ErrNotAssigned,
// which the engine can count as done.
func (c *Client) RemoveLicensesBatch(ctx context.Context, removals []Removal) []BatchResult {
	results := make([]BatchResult, len(removals))
	var pending []int // indexes of the removals to send
	for i, r := range removals {
		results[i].UserID = r.UserID
		if _, err := removalSKUs(r.UserID, r.SKUIDs); err != nil {
			results[i].Err = err
			continue
		}
		pending = append(pending, i)
	}
	for start := 0; start < len(pending); start += maxBatchSteps {
		chunk := pending[start:min(start+maxBatchSteps, len(pending))]
		if err := ctx.Err(); err != nil {
			for _, i := range chunk {
				results[i].Err = fmt.Errorf("remove %s from %s: not sent: %w", strings.Join(removals[i].SKUIDs, ", "), removals[i].UserID, err)
			}
			continue
		}
		c.sendRemovalBatch(ctx, removals, chunk, results)
	}
	return results
}

// sendRemovalBatch sends one $batch of the removals at the chunk's indexes and fills their
// results.
func (c *Client) sendRemovalBatch(ctx context.Context, removals []Removal, chunk []int, results []BatchResult) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	fail := func(i int, err error) {
		results[i].Err = fmt.Errorf("remove %s from %s: %w", strings.Join(removals[i].SKUIDs, ", "), removals[i].UserID, err)
		if ge := graphErrorOf(err); ge != nil {
			results[i].RequestID = ge.RequestID
		}
	}

	batch := core.NewBatchRequest(c.adapter)
	stepOf := make(map[int]string, len(chunk)) // removal index → step id
	for _, i := range chunk {
		remove, _ := removalSKUs(removals[i].UserID, removals[i].SKUIDs) // checked by the caller
		// The request builder gives the step its url, body and Content-Type header; the SDK's
		// AddBatchRequestStep turns them into a step with a fresh id.
		info, err := c.users().ByUserId(removals[i].UserID).AssignLicense().ToPostRequestInformation(ctx, removeBody(remove), nil)
		if err != nil {
			fail(i, err)
			continue
		}
		item, err := batch.AddBatchRequestStep(*info)
		if err != nil {
			fail(i, err)
			continue
		}
		stepOf[i] = deref(item.GetId())
	}
	if len(stepOf) == 0 {
		return
	}

	rctx, x := request(ctx)
	answers, err := c.sendBatch(rctx, x, batch)
	if err != nil {
		mapped := c.mapError(x, err, opLicenseChange)
		for i := range stepOf {
			fail(i, mapped)
		}
		return
	}
	_, _, header, _ := x.answered()
	batchRequestID := header.Get("request-id")
	for i, id := range stepOf {
		step, problem := answers.step(id)
		if problem != "" {
			// Graph answers every step with a status; without a usable one the outcome is
			// unknown, as when the $batch got no answer: never a success.
			fail(i, x.unusable(nil, "%s", problem))
			continue
		}
		headers := step.headers()
		requestID := first(headers.Get("request-id"))
		if *step.Status >= 200 && *step.Status < 300 {
			if problem := step.userProblem(); problem != "" {
				fail(i, x.unusable(nil, "step %s: %s", id, problem))
				continue
			}
			results[i].RequestID = requestID
			if results[i].RequestID == "" {
				results[i].RequestID = batchRequestID
			}
			continue
		}
		code, message, bodyRequestID := step.graphError()
		ge := c.graphError(opLicenseChange, *step.Status, code, message, bodyRequestID, headers)
		if ge.RequestID == "" {
			ge.RequestID = batchRequestID
		}
		fail(i, ge)
	}
}

// sendBatch posts the batch and returns its answer, parsed here rather than by the SDK
// (BatchResponse dereferences a response without id and asserts a null one to BatchItem,
// which panics on a malformed answer). Graph's error body on the $batch itself is parsed as
// an OData error (the SDK's BatchRequest.Send only knows error factories registered in the
// SDK's package-level registry, which this package leaves alone).
func (c *Client) sendBatch(ctx context.Context, x *exchange, batch core.BatchRequest) (*batchAnswer, error) {
	info := abs.NewRequestInformation()
	info.Method = abs.POST
	info.UrlTemplate = "{+baseurl}/$batch"
	info.PathParameters["baseurl"] = c.baseURL
	info.Headers.TryAdd("Accept", "application/json")
	if err := info.SetContentFromParsable(ctx, c.adapter, "application/json", batch); err != nil {
		return nil, err
	}
	out, err := c.adapter.SendPrimitive(ctx, info, "[]byte", abs.ErrorMappings{
		"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue,
	})
	if err != nil {
		return nil, err
	}
	raw, _ := out.([]byte) // answerGuard let only a JSON object through
	var answer batchAnswer
	if err := json.Unmarshal(raw, &answer); err != nil {
		return nil, x.unusable(nil, "not a $batch answer: %v", err)
	}
	if answer.Responses == nil {
		return nil, x.unusable(nil, "the $batch answer has no responses")
	}
	answer.byID = map[string][]*batchStep{}
	for _, r := range answer.Responses {
		var st *batchStep
		if json.Unmarshal(r, &st) != nil || st == nil || st.ID == "" {
			continue // a malformed element answers no step; the step it was for fails
		}
		// Step ids are not case-sensitive (JSON batching, "Request format").
		id := strings.ToLower(st.ID)
		answer.byID[id] = append(answer.byID[id], st)
	}
	return &answer, nil
}

// batchAnswer is Graph's answer to a $batch: {"responses":[{"id","status","headers","body"}]}
// (Combine multiple HTTP requests using JSON batching, "Response format"), in any order.
type batchAnswer struct {
	Responses []json.RawMessage `json:"responses"`
	byID      map[string][]*batchStep
}

type batchStep struct {
	ID      string          `json:"id"`
	Status  *int            `json:"status"`
	Headers map[string]any  `json:"headers"`
	Body    json.RawMessage `json:"body"`
}

// step finds the answer to one step, or says why there is no usable one.
func (a *batchAnswer) step(id string) (*batchStep, string) {
	found := a.byID[strings.ToLower(id)]
	switch {
	case len(found) == 0:
		return nil, "the $batch answer has no answer for step " + id
	case len(found) > 1:
		return nil, fmt.Sprintf("the $batch answer has %d answers for step %s", len(found), id)
	case found[0].Status == nil:
		return nil, "the $batch answer for step " + id + " has no status"
	case *found[0].Status < 100 || *found[0].Status > 599:
		return nil, fmt.Sprintf("the $batch answer for step %s has status %d", id, *found[0].Status)
	}
	return found[0], ""
}

// headers gives a step's headers the same case-insensitive lookup as a response's: Graph
// writes them as it likes ("Retry-After", "retry-after"). Values that are not strings are
// left out.
func (st *batchStep) headers() *abs.ResponseHeaders {
	h := abs.NewResponseHeaders()
	for k, v := range st.Headers {
		if s, ok := v.(string); ok {
			h.Add(k, s)
		}
	}
	return h
}

// userProblem says what is wrong with a successful step's body, or "": assignLicense answers
// 200 with the user, so anything but a JSON object with the user's id leaves the outcome
// unknown.
func (st *batchStep) userProblem() string {
	body := bytes.TrimSpace(st.Body)
	if len(body) == 0 {
		return "no body"
	}
	var user struct {
		ID string `json:"id"`
	}
	switch {
	case string(body) == "null":
		return "the body is null"
	case body[0] == '"':
		// How a body that is not JSON (an HTML page, say) travels in a $batch.
		return "the body is a string, not the user"
	case body[0] != '{':
		return "the body is not a JSON object"
	case json.Unmarshal(body, &user) != nil || user.ID == "":
		return "a user without id"
	}
	return ""
}

// graphError reads Graph's error envelope from a step's body; a body that is not one gives
// empty values (the status still decides).
func (st *batchStep) graphError() (code, message, requestID string) {
	var body struct {
		Error struct {
			Code       string `json:"code"`
			Message    string `json:"message"`
			InnerError struct {
				RequestID string `json:"request-id"`
			} `json:"innerError"`
		} `json:"error"`
	}
	if json.Unmarshal(st.Body, &body) != nil {
		return "", "", ""
	}
	return body.Error.Code, body.Error.Message, body.Error.InnerError.RequestID
}
