package demo

// topic is what agents and customers say about one kind of problem: the
// questions agents ask, the updates and the solutions they give, and the
// details customers send back.
type topic struct {
	questions, answers, solutions, details phrases
}

// topicOf is the topic of tickets in c: its root category's, or the
// general one.
func topicOf(c *demoCategory) topic {
	if c == nil {
		return topics[""]
	}
	if t, ok := topics[c.root().spec.name]; ok {
		return t
	}
	return topics[""]
}

// topics are keyed by root category name; "" is for everything else.
var topics = map[string]topic{
	"Orders & Delivery": {
		questions: phrases{
			en: []string{
				"Hi {name}, could you send us a photo of the item and the packaging so we can open a claim with the courier?\n\n{agent}",
				"Hi {name}, to check {order} I need the phone number used at checkout. Could you confirm it?\n\n{agent}",
			},
			vi: []string{
				"Chào {name}, anh/chị gửi giúp em ảnh sản phẩm và bao bì để em làm khiếu nại với bên vận chuyển nhé.\n\n{agent}",
				"Chào {name}, anh/chị cho em xin số điện thoại đặt hàng để em kiểm tra {order} ạ.\n\n{agent}",
			},
		},
		answers: phrases{
			en: []string{
				"Hi {name}, I've checked {order}: the courier has it at the local hub and it's scheduled for delivery tomorrow.\n\n{agent}",
				"Hi {name}, I've asked the warehouse for an update on {order} today and will keep you posted.\n\n{agent}",
			},
			vi: []string{
				"Chào {name}, em đã kiểm tra {order}: đơn đang ở bưu cục và sẽ được giao vào ngày mai ạ.\n\n{agent}",
				"Chào {name}, em đã liên hệ kho về {order} và sẽ cập nhật cho anh/chị trong hôm nay ạ.\n\n{agent}",
			},
		},
		solutions: phrases{
			en: []string{
				"Hi {name}, a replacement has been shipped and you'll get the tracking link by SMS. Sorry again for the trouble!\n\n{agent}",
				"Hi {name}, the courier confirms {order} was delivered to your building's reception this morning.\n\n{agent}",
				"Hi {name}, {order} has been cancelled and nothing will be charged.\n\n{agent}",
			},
			vi: []string{
				"Chào {name}, bên em đã gửi sản phẩm thay thế, mã vận đơn sẽ được gửi qua SMS ạ. Xin lỗi anh/chị vì sự bất tiện.\n\n{agent}",
				"Dạ {name}, bên vận chuyển xác nhận {order} đã giao cho lễ tân tòa nhà sáng nay ạ.\n\n{agent}",
				"Chào {name}, em đã hủy {order}, anh/chị sẽ không bị trừ tiền ạ.\n\n{agent}",
			},
		},
		details: phrases{
			en: []string{"Here are the photos. The box was already torn when it arrived.", "It's the number on my account, ending in 4821."},
			vi: []string{"Mình gửi ảnh đây ạ, hộp bị rách từ lúc nhận.", "Số điện thoại là số trong tài khoản nhé, đuôi 4821."},
		},
	},
	"Billing & Payments": {
		questions: phrases{
			en: []string{
				"Hi {name}, could you confirm the exact amount and time of the payment? I'll match it with our bank records.\n\n{agent}",
				"Hi {name}, which company name and tax code should go on the invoice?\n\n{agent}",
			},
			vi: []string{
				"Chào {name}, anh/chị cho em xin số tiền và thời gian chuyển khoản để em đối soát với ngân hàng ạ.\n\n{agent}",
				"Dạ {name} cho em xin tên công ty và mã số thuế để xuất hóa đơn ạ.\n\n{agent}",
			},
		},
		answers: phrases{
			en: []string{
				"Hi {name}, I can see the payment on our side; finance will release the refund in the next run.\n\n{agent}",
				"Hi {name}, I've passed this to our finance team and asked them to check the charge today.\n\n{agent}",
			},
			vi: []string{
				"Chào {name}, em đã thấy khoản thanh toán, bộ phận kế toán sẽ hoàn tiền trong đợt tới ạ.\n\n{agent}",
				"Chào {name}, em đã chuyển cho bộ phận kế toán kiểm tra khoản trừ tiền trong hôm nay ạ.\n\n{agent}",
			},
		},
		solutions: phrases{
			en: []string{
				"Hi {name}, the refund for {order} has been issued; it usually shows on your statement within 3–5 working days. Just reply if anything is off.\n\n{agent}",
				"Hi {name}, your VAT invoice is attached and has also been sent to your company email.\n\n{agent}",
				"Hi {name}, the duplicate charge has been reversed. Sorry for the inconvenience.\n\n{agent}",
			},
			vi: []string{
				"Chào {name}, em đã hoàn tiền cho {order}, tiền sẽ về tài khoản trong 3–5 ngày làm việc ạ.\n\n{agent}",
				"Chào {name}, em đã xuất hóa đơn VAT và gửi vào email công ty ạ.\n\n{agent}",
				"Dạ {name}, khoản bị trừ hai lần đã được hoàn lại ạ. Xin lỗi anh/chị vì sự bất tiện.\n\n{agent}",
			},
		},
		details: phrases{
			en: []string{"I paid 1,250,000 VND by bank transfer at 20:14 yesterday.", "Company: Minh Phat Co., Ltd, tax code 0312345678."},
			vi: []string{"Mình chuyển khoản 1.250.000đ lúc 20h14 hôm qua.", "Tên công ty: Công ty TNHH Minh Phát, MST 0312345678."},
		},
	},
	"Technical Support": {
		questions: phrases{
			en: []string{
				"Hi {name}, which app version and phone model are you using? A screenshot of the error would help a lot.\n\n{agent}",
				"Hi {name}, could you tell me which browser you use and roughly when it last happened?\n\n{agent}",
			},
			vi: []string{
				"Dạ {name} chụp giúp em màn hình báo lỗi và cho em biết phiên bản ứng dụng đang dùng ạ.\n\n{agent}",
				"Chào {name}, anh/chị dùng trình duyệt nào và lỗi xảy ra lúc mấy giờ ạ?\n\n{agent}",
			},
		},
		answers: phrases{
			en: []string{
				"Hi {name}, our developers have reproduced the problem and are working on a fix. In the meantime the website works as a workaround.\n\n{agent}",
				"Hi {name}, thanks — I've passed the details to our engineers and will update you as soon as I hear back.\n\n{agent}",
			},
			vi: []string{
				"Dạ {name}, bộ phận kỹ thuật đã ghi nhận lỗi và đang khắc phục. Trong lúc chờ anh/chị dùng tạm trên website giúp em ạ.\n\n{agent}",
				"Chào {name}, em đã chuyển thông tin cho đội kỹ thuật và sẽ báo lại ngay khi có kết quả ạ.\n\n{agent}",
			},
		},
		solutions: phrases{
			en: []string{
				"Hi {name}, the fix is live in today's app update. Please update the app and let us know if it still happens.\n\n{agent}",
				"Hi {name}, I've reset your login; you can sign in again with the link I just sent.\n\n{agent}",
				"Hi {name}, the issue was on our side and is fixed now. Thanks for your patience!\n\n{agent}",
			},
			vi: []string{
				"Dạ {name}, lỗi đã được khắc phục trong bản cập nhật hôm nay, anh/chị cập nhật ứng dụng giúp em ạ.\n\n{agent}",
				"Chào {name}, em đã đặt lại đăng nhập, anh/chị dùng đường link em vừa gửi để đăng nhập lại nhé.\n\n{agent}",
			},
		},
		details: phrases{
			en: []string{"I'm on version 5.2.1, Samsung Galaxy A54. Screenshot attached.", "Chrome on Windows, it happened again at about 9 pm."},
			vi: []string{"Mình dùng bản 5.2.1 trên Samsung A54, ảnh chụp màn hình đính kèm.", "Mình dùng Chrome, lỗi lúc khoảng 21h."},
		},
	},
	"Account & Loyalty": {
		questions: phrases{
			en: []string{"Hi {name}, could you confirm the email address on your membership so I can find the account?\n\n{agent}"},
			vi: []string{"Chào {name}, anh/chị cho em xin email đăng ký thành viên để em kiểm tra tài khoản ạ.\n\n{agent}"},
		},
		answers: phrases{
			en: []string{"Hi {name}, I've checked your account and passed the request to our loyalty team.\n\n{agent}"},
			vi: []string{"Chào {name}, em đã kiểm tra tài khoản và chuyển yêu cầu cho bộ phận thành viên ạ.\n\n{agent}"},
		},
		solutions: phrases{
			en: []string{
				"Hi {name}, the missing points have been added to your account.\n\n{agent}",
				"Hi {name}, your account manager will contact you this week with the new price list.\n\n{agent}",
				"Hi {name}, thank you for the feedback — I've shared it with the team responsible.\n\n{agent}",
			},
			vi: []string{
				"Chào {name}, em đã cộng bù điểm vào tài khoản của anh/chị ạ.\n\n{agent}",
				"Dạ {name}, cảm ơn anh/chị đã góp ý, em đã chuyển cho bộ phận liên quan ạ.\n\n{agent}",
			},
		},
		details: phrases{
			en: []string{"It's the same address I'm writing from."},
			vi: []string{"Email là email mình đang dùng để gửi thư này ạ."},
		},
	},
	"": {
		questions: phrases{
			en: []string{"Hi {name}, could you tell me a bit more about what you need help with?\n\n{agent}"},
			vi: []string{"Chào {name}, anh/chị mô tả thêm giúp em vấn đề đang gặp ạ.\n\n{agent}"},
			th: []string{"รบกวน{name}ส่งรูปและหมายเลขคำสั่งซื้อมาให้หน่อยนะคะ\n\n{agent}"},
		},
		answers: phrases{
			en: []string{"Hi {name}, thanks for the details, I'm checking with the right team now.\n\n{agent}"},
			vi: []string{"Chào {name}, em đã nhận thông tin và đang chuyển cho bộ phận phụ trách ạ.\n\n{agent}"},
			th: []string{"{name}ค่ะ ได้ส่งเรื่องให้ทีมที่เกี่ยวข้องแล้ว จะแจ้งความคืบหน้าโดยเร็วค่ะ\n\n{agent}"},
		},
		solutions: phrases{
			en: []string{"Hi {name}, that's all sorted now. Let us know if there's anything else.\n\n{agent}"},
			vi: []string{"Chào {name}, vấn đề đã được xử lý xong ạ. Anh/chị cần hỗ trợ thêm cứ liên hệ em nhé.\n\n{agent}"},
			th: []string{"เรียน{name} ดำเนินการเรียบร้อยแล้วครับ หากมีปัญหาเพิ่มเติมแจ้งได้เลยครับ\n\n{agent}"},
		},
		details: phrases{
			en: []string{"I called yesterday about my order and nobody got back to me."},
			vi: []string{"Hôm qua mình có gọi điện về đơn hàng mà chưa ai gọi lại."},
			th: []string{"ส่งรูปมาให้แล้วนะคะ กล่องเสียหายตั้งแต่ได้รับ"},
		},
	},
}
