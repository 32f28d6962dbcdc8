package demo

// namePart is a name as written and its plain-ASCII form for email
// addresses.
type namePart struct{ text, ascii string }

var (
	vietFamilies = []namePart{
		{"Nguyễn", "nguyen"}, {"Trần", "tran"}, {"Lê", "le"}, {"Phạm", "pham"},
		{"Hoàng", "hoang"}, {"Huỳnh", "huynh"}, {"Phan", "phan"}, {"Vũ", "vu"},
		{"Võ", "vo"}, {"Đặng", "dang"}, {"Bùi", "bui"}, {"Đỗ", "do"},
		{"Hồ", "ho"}, {"Ngô", "ngo"}, {"Dương", "duong"}, {"Lý", "ly"},
	}
	vietMiddles = []string{"Văn", "Thị", "Minh", "Ngọc", "Thanh", "Quốc", "Hữu", "Thu", "Đức", "Gia", "Bảo", "Hoài", "Kim", "Anh"}
	vietGivens  = []namePart{
		{"An", "an"}, {"Bình", "binh"}, {"Chi", "chi"}, {"Dũng", "dung"}, {"Giang", "giang"},
		{"Hà", "ha"}, {"Hải", "hai"}, {"Hạnh", "hanh"}, {"Hiếu", "hieu"}, {"Hoa", "hoa"},
		{"Huy", "huy"}, {"Khánh", "khanh"}, {"Linh", "linh"}, {"Long", "long"}, {"Mai", "mai"},
		{"Nam", "nam"}, {"Ngân", "ngan"}, {"Nhung", "nhung"}, {"Phong", "phong"}, {"Phương", "phuong"},
		{"Quân", "quan"}, {"Sơn", "son"}, {"Thảo", "thao"}, {"Trang", "trang"}, {"Tú", "tu"},
		{"Việt", "viet"}, {"Vy", "vy"}, {"Yến", "yen"}, {"Đạt", "dat"}, {"Thắng", "thang"},
	}
	thaiFirsts = []namePart{
		{"สมชาย", "somchai"}, {"สุนิสา", "sunisa"}, {"ธนพล", "thanaphon"}, {"พิมพ์ชนก", "phimchanok"},
		{"วรรณา", "wanna"}, {"ณัฐวุฒิ", "nattawut"}, {"กมลวรรณ", "kamonwan"}, {"อนุชา", "anucha"},
	}
	thaiLasts = []namePart{
		{"ใจดี", "jaidee"}, {"ศรีสุข", "srisuk"}, {"วงศ์ใหญ่", "wongyai"}, {"แก้วมณี", "kaewmanee"},
		{"บุญมา", "boonma"}, {"ทองดี", "thongdee"},
	}
	englishFirsts = []string{
		"Emily", "James", "Olivia", "Liam", "Sophia", "Noah", "Ava", "Ethan", "Mia", "Lucas",
		"Chloe", "Daniel", "Grace", "Henry", "Hannah", "Jack", "Ella", "Ryan", "Zoe", "Oscar",
	}
	englishLasts = []string{
		"Smith", "Brown", "Wilson", "Taylor", "Anderson", "Thomas", "Martin", "Lee", "Walker", "Hall",
		"Young", "King", "Wright", "Scott", "Green", "Baker", "Nguyen", "Tran", "Clarke", "Hughes",
	}
	mailDomains = []string{"gmail.com", "gmail.com", "gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "fpt.vn"}
)

// organization is a customer's company and its mail domain.
type organization struct{ name, domain string }

var organizations = []organization{
	{"Công ty TNHH Minh Phát", "minhphat.vn"},
	{"Sao Mai Logistics", "saomailogistics.vn"},
	{"Hoàng Gia Furniture", "hoanggiafurniture.com"},
	{"Green Leaf Café", "greenleafcafe.vn"},
	{"TechViet JSC", "techviet.com.vn"},
	{"Northwind Traders", "northwind.example.com"},
	{"Blue Ocean Trading", "blueocean.example.com"},
	{"Acme Retail Asia", "acmeretail.example.com"},
	{"Trường Mầm non Hoa Sen", "hoasen.edu.vn"},
	{"Bệnh viện Đa khoa Tâm An", "taman.vn"},
}

// customerNotes are occasional notes agents keep on a customer's file.
var customerNotes = []string{
	"Prefers to be contacted by phone after 6 pm.",
	"Thích được liên hệ qua Zalo.",
	"Long-time customer since 2019; be generous with goodwill vouchers.",
	"Has asked twice for invoices to be issued to the company, not to her personally.",
	"Sensitive about delivery delays — escalate early.",
	"Khách hàng thân thiết, ưu tiên xử lý.",
}
