package graph

import (
	"bytes"
	"context"
	"fmt"
	"time"

	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	core "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/licensebot/licensebot/licensing"
)

// Lookup is the outcome of one query of FindUsersBatch: the user with every license, as
// FindUser reads it, or Err (errors.Is licensing.ErrUserNotFound, *licensing.ThrottledError
// with the step's Retry-After, ErrBadUserQuery, ErrUnusableAnswer, …), mapped as FindUser maps
// it.
type Lookup struct {
	Query string
	User  licensing.User
	Err   error
}

// FindUsersBatch reads many users as FindUser does, in one POST /$batch per 20 queries
// (chunks one after the other; callers wanting more run several calls at once): a GET of
// the user by object id, or a $filter on mail or userPrincipalName. Each step is answered on
// its own, throttled on its own (Microsoft Graph throttling guidance, "Throttling and
// batching"), and checked as FindUser checks its answer. The groups a license is inherited
// from are named from the client's short-lived cache of group names (one GET per group
// not seen in the last minutes). Nothing is retried here: the planner decides.
func (c *Client) FindUsersBatch(ctx context.Context, queries []string) []Lookup {
	out := make([]Lookup, len(queries))
	for start := 0; start < len(queries); start += maxBatchSteps {
		end := min(start+maxBatchSteps, len(queries))
		if err := ctx.Err(); err != nil {
			for i := start; i < end; i++ {
				out[i] = Lookup{Query: queries[i], Err: fmt.Errorf("find user %s: not sent: %w", queries[i], err)}
			}
			continue
		}
		c.sendLookupBatch(ctx, queries[start:end], out[start:end])
	}
	return out
}

// sendLookupBatch sends one $batch of lookups and fills their outcomes.
func (c *Client) sendLookupBatch(ctx context.Context, queries []string, out []Lookup) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	batch := core.NewBatchRequest(c.adapter)
	stepOf := map[int]string{}
	byName := map[int]string{} // queries by mail or UPN: their answer is a page
	for i, query := range queries {
		out[i].Query = query
		q, err := parseUserQuery(query)
		if err != nil {
			out[i].Err = fmt.Errorf("find user: %w", err)
			continue
		}
		var step core.BatchItem
		if q.id != "" {
			ri, err := c.users().ByUserId(q.id).ToGetRequestInformation(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
				QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: userFields},
			})
			if err == nil {
				step, err = batch.AddBatchRequestStep(*ri)
			}
			if err != nil {
				out[i].Err = fmt.Errorf("find user %s: %w", query, err)
				continue
			}
		} else {
			filter := "mail eq " + odataString(q.name) + " or userPrincipalName eq " + odataString(q.name)
			ri, err := c.users().ToGetRequestInformation(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
				QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Filter: &filter, Select: userFields},
			})
			if err == nil {
				step, err = batch.AddBatchRequestStep(*ri)
			}
			if err != nil {
				out[i].Err = fmt.Errorf("find user %s: %w", query, err)
				continue
			}
			byName[i] = q.name
		}
		stepOf[i] = deref(step.GetId())
	}
	if len(stepOf) == 0 {
		return
	}
	rctx, x := request(ctx)
	answers, err := c.sendBatch(rctx, x, batch)
	if err != nil {
		mapped := c.mapError(x, err, opOther)
		for i := range stepOf {
			out[i].Err = fmt.Errorf("find user %s: %w", queries[i], mapped)
		}
		return
	}
	for i, id := range stepOf {
		step, problem := answers.step(id)
		if problem != "" {
			out[i].Err = fmt.Errorf("find user %s: %w", queries[i], x.unusable(nil, "%s", problem))
			continue
		}
		if *step.Status < 200 || *step.Status > 299 {
			code, message, requestID := step.graphError()
			out[i].Err = fmt.Errorf("find user %s: %w", queries[i], c.graphError(opUserLookup, *step.Status, code, message, requestID, step.headers()))
			continue
		}
		u, err := c.stepUser(x, step, byName[i])
		if err == nil {
			out[i].User = userFromModel(u)
			out[i].User.Licenses, err = c.licensesWith(ctx, u, x, c.cachedGroup)
		}
		if err != nil {
			out[i].Err = fmt.Errorf("find user %s: %w", queries[i], err)
		}
	}
}

// stepUser reads a successful step's body: the user (a query by id), or a page of users of
// which the one named (a query by mail or UPN; none: ErrUserNotFound).
func (c *Client) stepUser(x *exchange, step *batchStep, name string) (models.Userable, error) {
	body := bytes.TrimSpace(step.Body)
	if len(body) == 0 || body[0] != '{' {
		return nil, x.unusable(nil, "step %s: the body is not a JSON object", step.ID)
	}
	node, err := jsonserialization.NewJsonParseNode(body)
	if err != nil {
		return nil, x.unusable(nil, "step %s: %v", step.ID, err)
	}
	if name == "" {
		v, err := node.GetObjectValue(models.CreateUserFromDiscriminatorValue)
		u, _ := v.(models.Userable)
		if err != nil || u == nil {
			return nil, x.unusable(nil, "step %s: not a user", step.ID)
		}
		if err := checkUser(x, u); err != nil {
			return nil, err
		}
		return u, nil
	}
	v, err := node.GetObjectValue(models.CreateUserCollectionResponseFromDiscriminatorValue)
	p, _ := v.(models.UserCollectionResponseable)
	if err != nil || p == nil {
		return nil, x.unusable(nil, "step %s: not a page of users", step.ID)
	}
	if err := checkPage(x, p, "user", checkUser); err != nil {
		return nil, err
	}
	u := pickUser(p.GetValue(), name)
	if u == nil {
		return nil, licensing.ErrUserNotFound
	}
	return u, nil
}

// groupNameTTL is how long a group's name and kind are reused across lookups: a plan of many
// users names the same few groups again and again, and a name a few minutes old is fine.
const groupNameTTL = 5 * time.Minute

// maxCachedGroups bounds the cache; past it, it starts again empty.
const maxCachedGroups = 10000

type cachedGroup struct {
	g       licensing.Group
	expires time.Time
}

// cachedGroup reads a group as group does, reusing what was read in the last groupNameTTL.
func (c *Client) cachedGroup(ctx context.Context, id string) (licensing.Group, error) {
	now := c.now()
	c.groupsMu.Lock()
	if e, ok := c.groups[id]; ok && now.Before(e.expires) {
		c.groupsMu.Unlock()
		return e.g, nil
	}
	c.groupsMu.Unlock()
	g, err := c.group(ctx, id, map[string]licensing.Group{})
	if err != nil {
		return licensing.Group{}, err
	}
	c.groupsMu.Lock()
	if c.groups == nil || len(c.groups) >= maxCachedGroups {
		c.groups = map[string]cachedGroup{}
	}
	c.groups[id] = cachedGroup{g: g, expires: now.Add(groupNameTTL)}
	c.groupsMu.Unlock()
	return g, nil
}
