package demo

import (
	"strings"
	"unicode"
)

// phrases are message templates in English, Vietnamese and Thai. In a
// template {name} is the customer's first name, {agent} the writing
// agent's, {order} the order reference, {title} the ticket's title and
// {handle} the handle of an agent a note mentions.
type phrases struct{ en, vi, th []string }

// write fills a random template in the story's language.
func (s *story) write(p phrases, agent *demoAgent) string {
	pool := p.en
	switch {
	case s.vi && len(p.vi) > 0:
		pool = p.vi
	case s.th && len(p.th) > 0:
		pool = p.th
	}
	t := pool[s.l.rng.IntN(len(pool))]
	name, agentName, order := "there", "", "your order"
	switch {
	case s.vi:
		name, order = "anh/chị", "đơn hàng"
	case s.th:
		name, order = "ลูกค้า", "คำสั่งซื้อ"
	}
	if s.customer != nil {
		name = s.customer.firstName
		switch {
		case s.vi:
			name = "anh/chị " + s.customer.firstName
		case s.th:
			name = "คุณ" + s.customer.firstName
		}
	}
	if agent != nil {
		agentName = agent.firstName()
	}
	if s.order != "" {
		order = s.order
	}
	return strings.NewReplacer("{name}", name, "{agent}", agentName, "{order}", order, "{title}", s.title).Replace(t)
}

// isVietnamese reports whether text uses Vietnamese letters: Latin
// letters outside ASCII.
func isVietnamese(text string) bool {
	for _, r := range text {
		if r > unicode.MaxASCII && unicode.Is(unicode.Latin, r) {
			return true
		}
	}
	return false
}

// isThai reports whether text is written in Thai script.
func isThai(text string) bool {
	for _, r := range text {
		if unicode.Is(unicode.Thai, r) {
			return true
		}
	}
	return false
}

var (
	descriptions = phrases{
		en: []string{
			"Hello,\n\n{title}. Could you please look into it?\n\nThanks",
			"Hi team, {title}. I have tried twice already and it is getting frustrating. Please help.",
			"{title}.\n\nI contacted you last week about something similar. Let me know if you need screenshots.",
			"Good morning. {title}. Please call me back if that is easier.",
		},
		vi: []string{
			"Chào shop,\n\n{title}. Nhờ shop kiểm tra giúp.\n\nCảm ơn",
			"{title}. Mình đã thử hai lần rồi mà vẫn không được, nhờ bên bạn hỗ trợ.",
			"Xin chào, {title}. Cần gấp, mong phản hồi sớm.",
			"Tôi muốn khiếu nại: {title}. Đây là lần thứ hai tôi gặp chuyện này.",
		},
		th: []string{
			"สวัสดีค่ะ\n\n{title} รบกวนช่วยตรวจสอบให้หน่อยได้ไหมคะ\n\nขอบคุณค่ะ",
			"{title} ลองแล้วสองครั้งก็ยังไม่ได้ รบกวนช่วยด้วยครับ",
		},
	}
	phoneDescriptions = phrases{
		en: []string{
			"Customer called: {title}. Call back on the number on file if needed.",
			"Phone call from {name}: {title}. Promised an answer by email.",
		},
		vi: []string{
			"Khách gọi điện: {title}. Gọi lại theo số trong hồ sơ nếu cần.",
			"Khách {name} gọi tổng đài: {title}. Đã hẹn phản hồi qua email.",
		},
		th: []string{"ลูกค้าโทรมา: {title} สัญญาว่าจะตอบกลับทางอีเมล"},
	}
	internalDescriptions = []string{
		"{title}. Owner: whoever picks this up; please update the team when done.",
		"Follow-up from this morning's stand-up: {title}.",
		"{title}. See the notes in the shared drive; deadline end of week.",
	}
	internalTitles = []string{
		"Prepare macro for GHN delivery delays in Hà Nội",
		"Update the refund policy article in the help centre",
		"Weekly QA review of chat transcripts",
		"Tết holiday shipping schedule announcement",
		"Check failed webhook retries for partner integrations",
		"Onboard new agent to the Billing queue",
		"Collect examples of damaged-item complaints for the warehouse",
		"Review SLA breaches from last week",
	}
	uncategorizedTitles = []string{
		"Question", "Need help", "Cần hỗ trợ", "Hello?", "Please call me back", "Gọi lại giúp tôi",
		"Khiếu nại về thái độ nhân viên giao hàng",
	}
	// thaiTitles are what the Thai-speaking customers write about,
	// whatever the category.
	thaiTitles = []string{
		"สั่งซื้อสินค้าแล้วยังไม่ได้รับของ",
		"สินค้าชำรุดเสียหายตอนได้รับ",
		"ต้องการคืนสินค้าและขอเงินคืน",
		"ถูกตัดเงินสองครั้ง",
		"ขอใบกำกับภาษี",
		"เข้าสู่ระบบแอปไม่ได้",
	}

	acknowledgements = phrases{
		en: []string{
			"Hi {name}, thanks for reaching out. I'm looking into this now and will get back to you shortly.\n\n{agent}",
			"Hi {name}, I've picked up your request and I'm checking with the team. Talk soon!\n\n{agent}",
		},
		vi: []string{
			"Chào {name}, em đã nhận được yêu cầu và đang kiểm tra, em sẽ phản hồi sớm ạ.\n\n{agent}",
			"Dạ chào {name}, cảm ơn anh/chị đã liên hệ. Em đang xử lý yêu cầu này ạ.\n\n{agent}",
		},
		th: []string{"สวัสดีค่ะ{name} ได้รับเรื่องแล้ว กำลังตรวจสอบให้นะคะ\n\n{agent}"},
	}
	customerFollowUps = phrases{
		en: []string{"Any update on this?", "Hello? It has been a day and nobody has answered.", "Just checking you got my message."},
		vi: []string{"Shop ơi có cập nhật gì chưa ạ?", "Sao chưa ai trả lời vậy?", "Nhờ shop kiểm tra giúp sớm nhé."},
		th: []string{"มีความคืบหน้าไหมคะ", "ผ่านไปหนึ่งวันแล้วยังไม่มีใครตอบเลยครับ"},
	}
	customerThanks = phrases{
		en: []string{"Thank you, that was quick!", "Great, thanks for your help.", "Received it, all good now."},
		vi: []string{"Cảm ơn shop nhiều!", "Ok mình nhận được rồi, cảm ơn bạn.", "Cảm ơn em đã hỗ trợ nhiệt tình."},
		th: []string{"ขอบคุณมากค่ะ", "ได้รับแล้ว ขอบคุณครับ"},
	}
	customerStillBroken = phrases{
		en: []string{"Sorry, it's still happening after the update.", "I still haven't received anything."},
		vi: []string{"Vẫn chưa được bạn ơi.", "Mình vẫn chưa nhận được tiền hoàn."},
		th: []string{"ยังไม่ได้เลยค่ะ", "ยังไม่ได้รับเงินคืนเลยครับ"},
	}
	customerCancels = phrases{
		en: []string{"Never mind, I found it. You can close this.", "Please cancel, I sorted it out with the courier."},
		vi: []string{"Thôi không cần nữa, mình tìm thấy rồi.", "Hủy giúp mình nhé, mình đã xử lý xong."},
		th: []string{"ไม่เป็นไรแล้วค่ะ ยกเลิกได้เลย"},
	}

	internalNotes = []string{
		"Checked with the warehouse: stock left on the 14th, courier confirms it is at the Thủ Đức hub.",
		"Customer has had two similar issues this quarter — consider a goodwill voucher.",
		"Bank reconciliation shows the payment on our side; waiting for finance to release it.",
		"Reproduced on Android 14 only. Linked to the crash report in Sentry.",
		"Khách hàng VIP, ưu tiên xử lý trong ngày.",
		"Đã gọi điện cho khách, khách hẹn gọi lại sau 17h.",
		"Courier claim opened, reference GHN-CLM-20931.",
	}
	priorityNotes = []string{
		"Raising the priority: the customer is a business account and this blocks their orders.",
		"Second contact about this, bumping the priority.",
		"Tăng mức ưu tiên vì khách đã liên hệ nhiều lần.",
	}
	mentionNotes = phrases{
		en: []string{
			"@{handle} could you double-check this one? The customer has written in twice.",
			"@{handle} do you know how the courier handles claims like this? A second pair of eyes would help.",
			"Looping in @{handle}, who handled the last ticket from this customer.",
		},
		vi: []string{
			"@{handle} xem giúp em ticket này với ạ, khách đã liên hệ hai lần rồi.",
			"Nhờ @{handle} kiểm tra lại giúp em khoản hoàn tiền này.",
		},
	}
	transferNotes = []string{
		"Handing this over to {agent}, who knows this courier's claims process.",
		"Going on leave tomorrow; {agent} will follow up.",
	}
	queueNotes = []string{
		"Looks like a duplicate of an earlier ticket from the same customer.",
		"Spam from the contact form, closing.",
		"Test ticket from the integration team.",
	}
)
