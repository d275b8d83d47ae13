package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	khttp "github.com/microsoft/kiota-http-go"
	core "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/licensebot/licensebot/licensing"
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
// $batch call itself fails (429, 5xx, no answer), every removal of that chunk gets that error
// and later chunks are still sent. A removal that is invalid before sending (no user, no
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

	resp, batchRequestID, err := c.sendBatch(ctx, batch)
	if err != nil {
		mapped := c.mapError(err, opLicenseChange)
		for i := range stepOf {
			fail(i, mapped)
		}
		return
	}
	for i, id := range stepOf {
		item := resp.GetResponseById(id)
		if item == nil || item.GetStatus() == nil {
			// Graph answers every step; a missing one has an unknown outcome.
			fail(i, &licensing.GraphError{Status: http.StatusOK, RequestID: batchRequestID,
				Message: "the $batch response has no answer for step " + id})
			continue
		}
		status, headers := int(*item.GetStatus()), stepHeaders(item)
		if status >= 200 && status < 300 {
			results[i].RequestID = first(headers.Get("request-id"))
			if results[i].RequestID == "" {
				results[i].RequestID = batchRequestID
			}
			continue
		}
		code, message, requestID := stepError(item)
		ge := c.graphError(opLicenseChange, status, code, message, requestID, headers)
		if ge.RequestID == "" {
			ge.RequestID = batchRequestID
		}
		fail(i, ge)
	}
}

// sendBatch posts the batch and returns its parsed answer and the request-id of the $batch
// call. It does what the SDK's BatchRequest.Send does, plus two things Send cannot: Graph's
// error body on the $batch itself is parsed as an OData error (Send only knows error
// factories registered in the SDK's package-level registry, which this package leaves
// alone), and the answer's headers are kept for the request-id.
func (c *Client) sendBatch(ctx context.Context, batch core.BatchRequest) (core.BatchResponse, string, error) {
	info := abs.NewRequestInformation()
	info.Method = abs.POST
	info.UrlTemplate = "{+baseurl}/$batch"
	info.PathParameters["baseurl"] = c.baseURL
	info.Headers.TryAdd("Accept", "application/json")
	if err := info.SetContentFromParsable(ctx, c.adapter, "application/json", batch); err != nil {
		return nil, "", err
	}
	inspect := khttp.NewHeadersInspectionOptions()
	inspect.InspectResponseHeaders = true
	info.AddRequestOptions([]abs.RequestOption{inspect})
	out, err := c.adapter.Send(ctx, info, core.CreateBatchResponseDiscriminator, abs.ErrorMappings{
		"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue,
	})
	if err != nil {
		return nil, "", err
	}
	resp, ok := out.(core.BatchResponse)
	if !ok || resp == nil {
		return nil, "", &abs.ApiError{Message: "the $batch call returned no body", ResponseStatusCode: http.StatusOK}
	}
	return resp, first(inspect.GetResponseHeaders().Get("request-id")), nil
}

// stepHeaders gives a step's headers the same case-insensitive lookup as a response's: Graph
// writes them as it likes ("Retry-After", "retry-after").
func stepHeaders(item core.BatchItem) *abs.ResponseHeaders {
	h := abs.NewResponseHeaders()
	for k, v := range item.GetHeaders() {
		h.Add(k, v)
	}
	return h
}

// stepError reads Graph's error envelope from a step's body. The SDK hands the body over as
// a generic map (strings as *string), so it goes through encoding/json once more.
func stepError(item core.BatchItem) (code, message, requestID string) {
	raw, err := json.Marshal(item.GetBody())
	if err != nil {
		return "", "", ""
	}
	var body struct {
		Error struct {
			Code       string `json:"code"`
			Message    string `json:"message"`
			InnerError struct {
				RequestID string `json:"request-id"`
			} `json:"innerError"`
		} `json:"error"`
	}
	if json.Unmarshal(raw, &body) != nil {
		return "", "", ""
	}
	return body.Error.Code, body.Error.Message, body.Error.InnerError.RequestID
}
