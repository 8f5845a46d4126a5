"""Questions as learners type them, written against the seeded FAQ's questions and answers without
looking at its similar questions or the matcher; test_suggestions checks them."""

PARAPHRASES: list[tuple[str, str]] = [
    ("能用花呗付吗？还是只能扫微信或者支付宝啊", "payment-methods"),
    ("我就结了一次账，怎么订单列表里一下冒出来三个单", "split-orders"),
    ("钱已经从支付宝扣掉了，订单那边还是显示没付", "paid-but-pending"),
    ("点提交的时候弹出来说这个课人已经报满了，买不了", "price-or-seats-changed"),
    ("公司打款的时候备注里忘了填单号，这样要紧吗", "bank-transfer-mistake"),
    ("公司财务昨天已经把钱打到你们账户了，啥时候能确认收到啊", "bank-transfer-confirm-time"),
    ("单位要报销，买课能给开个发票吗？抬头写公司名", "invoice"),
    ("课已经学了一半了，现在不想学了，还能退回来多少钱", "refund-policy"),
    ("退钱申请已经同意了，那钱什么时候能回到我支付宝里", "refund-arrival-time"),
    ("老师把我的退钱申请驳回了，我不服，平台能不能出面管一下", "refund-rejected"),
    ("订单都已经结束了，后来发现讲的跟介绍完全不一样，钱还能要回来吗", "refund-after-completion"),
    ("满减券在哪儿能领到啊，下单的时候怎么抵扣", "coupons"),
    ("买课攒下来的那些积分能拿来干嘛，能抵钱不", "points"),
    ("密码想不起来了，账号登不进去怎么办呀", "forgot-password"),
    ("点了发送验证码，等了好几分钟手机上一直没有短信", "sms-code-not-received"),
    ("你们这的课是看直播还是看录像啊，有没有能去现场上的", "service-modes"),
    ("我昨天买的一对一辅导，钱都付了，到现在还没人联系我约时间", "when-service-starts"),
    ("我是教雅思的老师，想在你们平台上开课招学生，要怎么申请", "become-provider"),
    ("我在这边开课的话平台抽几个点？卖课的钱什么时候打给我", "commission-settlement"),
    ("之前提的投诉被关掉了，可问题根本没搞定，还能接着处理吗", "ticket-status"),
]
