package workflow

import (
	"testing"

	"helpdesk/ent/schematype"
	"helpdesk/internal/gid"
)

func TestRoutingRulesFirstMatchWins(t *testing.T) {
	id := func(s string) *gid.ID { v := gid.ID(s); return &v }
	str := func(s string) *string { return &s }
	urgent := schematype.PriorityUrgent
	rules := []Rule{
		{ID: "vip", Organization: str("ACME Corp"), TeamID: id("team_vip"), Priority: &urgent},
		{ID: "refund-chat", Channels: []string{"CHAT", "FACEBOOK"}, TitleWords: []string{"refund", "hoàn tiền"}, TeamID: id("team_billing")},
		{ID: "shipping", CategoryID: id("cat_shipping"), AddTags: []string{"logistics"}},
		{ID: "tagged", Tags: []string{"Fraud"}, TeamID: id("team_risk")},
		{ID: "one-customer", CustomerID: id("cus_1"), TeamID: id("team_key")},
	}
	for _, tc := range []struct {
		name string
		t    Ticket
		want gid.ID
	}{
		{"organization, without case", Ticket{Channel: "EMAIL", Organization: str(" acme corp"), Title: "refund"}, "vip"},
		{"channel and a title word", Ticket{Channel: "CHAT", Title: "Where is my Refund?"}, "refund-chat"},
		{"a phrase with diacritics", Ticket{Channel: "FACEBOOK", Title: "Yêu cầu HOÀN TIỀN đơn 123"}, "refund-chat"},
		{"a word inside another is not the word", Ticket{Channel: "CHAT", Title: "refunded already"}, ""},
		{"the right word on the wrong channel", Ticket{Channel: "EMAIL", Title: "refund"}, ""},
		{"a category's subtree", Ticket{Channel: "WEB", CategoryPath: []gid.ID{"cat_shipping", "cat_late", "cat_late_intl"}}, "shipping"},
		{"a tag, without case", Ticket{Channel: "API", Tags: []string{"vip", "fraud"}}, "tagged"},
		{"a customer", Ticket{Channel: "PHONE", CustomerID: id("cus_1")}, "one-customer"},
		{"nothing matches", Ticket{Channel: "PHONE", CustomerID: id("cus_2"), Title: "hello"}, ""},
	} {
		got := FirstMatch(rules, tc.t)
		if (got == nil) != (tc.want == "") || got != nil && got.ID != tc.want {
			t.Errorf("%s: FirstMatch = %v, want %q", tc.name, got, tc.want)
		}
	}
}
