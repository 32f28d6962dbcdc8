package demo

import (
	"context"
	"time"

	"helpdesk/ent/schematype"
	"helpdesk/internal/catalog"
	"helpdesk/internal/gid"
)

// categorySpec is one node of the demo category tree with what tickets
// filed under it are about.
type categorySpec struct {
	name, description string
	team              string // default team, if any
	priority          schematype.Priority
	policy            string // SLA policy, if any
	orders            bool   // tickets usually name an order
	titles            []string
	tags              []string
	children          []categorySpec
}

// demoCategory is a created category.
type demoCategory struct {
	id     gid.ID
	spec   *categorySpec
	parent *demoCategory
	level  int
}

// loadCategories creates the category tree, parents before children.
func (l *loader) loadCategories(ctx context.Context) error {
	var walk func(specs []categorySpec, parent *demoCategory) error
	walk = func(specs []categorySpec, parent *demoCategory) error {
		for i := range specs {
			spec := &specs[i]
			l.clock.Advance(2 * time.Minute)
			in := catalog.CreateCategoryInput{Name: spec.name, Description: ptr(spec.description)}
			level := 1
			if parent != nil {
				in.ParentID = &parent.id
				level = parent.level + 1
			}
			if spec.team != "" {
				in.DefaultTeamID = &l.team(spec.team).id
			}
			if spec.priority != "" {
				in.DefaultPriority = ptr(spec.priority)
			}
			if spec.policy != "" {
				in.SLAPolicyID = &l.policies[spec.policy].ID
			}
			c, err := l.catalog.CreateCategory(ctx, in)
			if err != nil {
				return err
			}
			node := &demoCategory{id: c.ID, spec: spec, parent: parent, level: level}
			l.categories = append(l.categories, node)
			l.sum.Categories++
			if err := walk(spec.children, node); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(categoryTree, nil)
}

// routedTeam is the team the service routes a ticket in c to: the nearest
// category's default team, else the default team.
func (l *loader) routedTeam(c *demoCategory) *demoTeam {
	for ; c != nil; c = c.parent {
		if c.spec.team != "" {
			return l.team(c.spec.team)
		}
	}
	return l.defaultTeam()
}

// root is the top-level category above c.
func (c *demoCategory) root() *demoCategory {
	for c.parent != nil {
		c = c.parent
	}
	return c
}

// aboutOrders reports whether tickets in c usually name an order.
func (c *demoCategory) aboutOrders() bool {
	for ; c != nil; c = c.parent {
		if c.spec.orders {
			return true
		}
	}
	return false
}

// tagPool is the tags that suit tickets in c: its own and its ancestors'.
func (c *demoCategory) tagPool() []string {
	var tags []string
	for ; c != nil; c = c.parent {
		tags = append(tags, c.spec.tags...)
	}
	return tags
}

// categoryTree is the demo tree: four roots, three levels deep. {order}
// in a title stands for the ticket's order reference.
var categoryTree = []categorySpec{
	{
		name: "Orders & Delivery", description: "Where an order is, late or lost parcels, returns.",
		team: teamOrders, orders: true, tags: []string{"shipping", "ghn", "ghtk"},
		titles: []string{"Question about my order {order}", "Hỏi về đơn hàng {order}"},
		children: []categorySpec{
			{
				name: "Order status", description: "Tracking and delivery times.",
				titles: []string{"Where is my order {order}?", "Đơn hàng {order} đang ở đâu?"},
				children: []categorySpec{
					{name: "Late delivery", priority: schematype.PriorityHigh, tags: []string{"late"},
						titles: []string{"Order {order} was due three days ago", "Đơn hàng {order} giao trễ hẹn", "Delivery promised for Monday, still nothing"}},
					{name: "Tracking not updating", tags: []string{"tracking"},
						titles: []string{"Tracking for {order} has not moved for 4 days", "Không tra cứu được mã vận đơn {order}"}},
					{name: "Lost parcel", priority: schematype.PriorityHigh, tags: []string{"lost"},
						titles: []string{"Courier says {order} was delivered but I never got it", "Đơn {order} báo đã giao nhưng tôi chưa nhận"}},
				},
			},
			{
				name: "Returns & exchanges", description: "Damaged, wrong or unwanted items.",
				titles: []string{"I want to return order {order}", "Muốn trả hàng đơn {order}"},
				tags:   []string{"return"},
				children: []categorySpec{
					{name: "Damaged item", priority: schematype.PriorityHigh, tags: []string{"damaged"},
						titles: []string{"The blender in {order} arrived cracked", "Hàng bị vỡ khi nhận đơn {order}"}},
					{name: "Wrong item received",
						titles: []string{"Received the wrong colour in {order}", "Giao sai sản phẩm trong đơn {order}"}},
					{name: "Size exchange", priority: schematype.PriorityLow,
						titles: []string{"Can I exchange the shoes from {order} for a larger size?", "Muốn đổi size áo đơn {order}"}},
				},
			},
			{
				name: "Cancellations", description: "Cancelling an order before it ships.",
				titles: []string{"Please cancel order {order}", "Hủy giúp tôi đơn hàng {order}", "Ordered twice by mistake, cancel one"},
			},
		},
	},
	{
		name: "Billing & Payments", description: "Invoices, refunds and ways to pay.",
		team: teamBilling, tags: []string{"payment"},
		titles: []string{"Question about a charge", "Thắc mắc về khoản thanh toán"},
		children: []categorySpec{
			{
				name: "Invoices", policy: policyBackOffice, orders: true, tags: []string{"invoice"},
				titles: []string{"Invoice for {order}", "Cần hóa đơn cho đơn {order}"},
				children: []categorySpec{
					{name: "VAT invoice request", priority: schematype.PriorityLow, tags: []string{"vat"},
						titles: []string{"Need a VAT invoice for order {order}", "Xuất hóa đơn đỏ cho công ty, đơn {order}"}},
					{name: "Wrong invoice amount",
						titles: []string{"Invoice total for {order} does not match what I paid", "Hóa đơn {order} sai số tiền"}},
				},
			},
			{
				name: "Refunds", priority: schematype.PriorityHigh, orders: true, tags: []string{"refund"},
				titles: []string{"Refund for order {order}", "Hoàn tiền đơn {order}"},
				children: []categorySpec{
					{name: "Refund status",
						titles: []string{"Still waiting for my refund for {order}", "Chưa nhận được tiền hoàn đơn {order}"}},
					{name: "Partial refund",
						titles: []string{"Only part of {order} was refunded", "Chỉ được hoàn một phần tiền đơn {order}"}},
				},
			},
			{
				name: "Payment methods", description: "Cards, bank transfer, e-wallets.",
				titles: []string{"Which payment methods do you accept?", "Có thanh toán trả góp không?"},
				children: []categorySpec{
					{name: "Card declined", tags: []string{"card"},
						titles: []string{"My Visa card keeps getting declined at checkout", "Thẻ ngân hàng bị từ chối khi thanh toán"}},
					{name: "E-wallets (MoMo, ZaloPay)", priority: schematype.PriorityUrgent, tags: []string{"momo", "zalopay"},
						titles: []string{"Paid with MoMo but {order} still shows unpaid", "Thanh toán ZaloPay bị trừ tiền hai lần"}},
				},
			},
		},
	},
	{
		name: "Technical Support", description: "The app, the website, accounts and the API.",
		team: teamTechnical, tags: []string{"bug"},
		titles: []string{"Something is not working", "Lỗi khi sử dụng ứng dụng"},
		children: []categorySpec{
			{
				name: "Account & login", tags: []string{"login"},
				titles: []string{"Cannot log in to my account", "Không đăng nhập được tài khoản"},
				children: []categorySpec{
					{name: "Password reset",
						titles: []string{"Password reset email never arrives", "Không nhận được email đặt lại mật khẩu"}},
					{name: "Two-factor authentication", priority: schematype.PriorityHigh, tags: []string{"2fa"},
						titles: []string{"Lost my phone and cannot pass two-factor login", "Không nhận được mã OTP"}},
				},
			},
			{
				name: "Mobile app", tags: []string{"android", "ios"},
				titles: []string{"Problem with the mobile app", "Ứng dụng điện thoại bị lỗi"},
				children: []categorySpec{
					{name: "App crashes", priority: schematype.PriorityHigh, tags: []string{"crash"},
						titles: []string{"App crashes when I open the cart (Android 14)", "Ứng dụng bị thoát khi mở giỏ hàng", "iOS app freezes on the payment screen"}},
					{name: "Push notifications", priority: schematype.PriorityLow,
						titles: []string{"Not receiving order notifications any more", "Không nhận được thông báo đơn hàng"}},
				},
			},
			{
				name:   "Website",
				titles: []string{"Website is very slow tonight", "Trang web tải rất chậm"},
				children: []categorySpec{
					{name: "Checkout errors", priority: schematype.PriorityUrgent, tags: []string{"checkout"},
						titles: []string{"Checkout shows error 500", "Cannot apply my voucher code at checkout", "Lỗi khi đặt hàng trên website"}},
				},
			},
			{
				name: "Integrations & API", policy: policyVIP, tags: []string{"api"},
				titles: []string{"Webhook deliveries failing since this morning", "API returns 429 much more often than the documented limit", "Order sync with our ERP stopped"},
			},
		},
	},
	{
		name: "Account & Loyalty", description: "Membership, points, business accounts and feedback.",
		titles: []string{"Question about my membership", "Hỏi về tài khoản thành viên"},
		children: []categorySpec{
			{
				name: "Loyalty points", priority: schematype.PriorityLow, tags: []string{"loyalty"},
				titles: []string{"How do loyalty points work?", "Điểm thưởng hoạt động thế nào?"},
				children: []categorySpec{
					{name: "Missing points", orders: true,
						titles: []string{"No points for order {order}", "Không được cộng điểm cho đơn {order}"}},
					{name: "Redeeming vouchers",
						titles: []string{"Voucher from points says it has expired", "Không đổi được voucher bằng điểm"}},
				},
			},
			{
				name: "Business accounts", policy: policyVIP, team: teamBilling, tags: []string{"b2b", "vip"},
				titles: []string{"Opening a business account", "Đăng ký tài khoản doanh nghiệp"},
				children: []categorySpec{
					{name: "Bulk orders", team: teamOrders, orders: true,
						titles: []string{"Quote for 200 units for our office", "Báo giá đơn hàng số lượng lớn"}},
					{name: "Contract renewal", policy: policyBackOffice,
						titles: []string{"Renewal of our annual contract", "Gia hạn hợp đồng năm nay"}},
					{name: "Account manager requests",
						titles: []string{"Please assign us a dedicated account manager", "Cần người phụ trách riêng cho công ty"}},
				},
			},
			{
				name: "Feedback & complaints", tags: []string{"feedback"},
				titles: []string{"Complaint about a rude courier", "Góp ý về chất lượng dịch vụ", "Suggestion: add dark mode to the app"},
			},
		},
	},
}
