"""The demo help centre: FAQ categories and entries (with their 相似问法) and the agents'
canned replies, as plain data, and ``load_support_demo`` that seed_demo calls.

Slugs are stable: tests and the chat's suggestions refer to them. The answers describe the
platform as the code runs it (settings.ORDER_PAYMENT_MINUTES, REFUND_RESPONSE_HOURS,
BANK_TRANSFER_HOURS, SUPPORT_HOURS); change them together.
"""

# Answers are Markdown rendered with hard line breaks: a paragraph must stay on one line.
# ruff: noqa: E501

from django.db import transaction

from .models import CannedReply, FaqCategory, FaqEntry

# (slug, name), in display order.
CATEGORIES = [
    ("ordering-payment", "下单与支付"),
    ("bank-transfer-invoice", "对公转账与发票"),
    ("refunds", "退款与售后"),
    ("membership-coupons-points", "会员、优惠券与积分"),
    ("account-security", "账号与安全"),
    ("courses-services", "课程与服务"),
    ("providers", "成为服务商"),
    ("contact-us", "联系客服"),
]

# Each entry: slug, category slug, question, similar questions, Markdown answer. Entries keep
# this order within their category.
ENTRIES = [
    # ---- 下单与支付 ----
    {
        "slug": "how-to-buy",
        "category": "ordering-payment",
        "question": "如何购买课程或服务？",
        "similar": [
            "怎么下单",
            "在哪里买课",
            "购买流程是什么",
            "想报名一个课程要怎么操作",
            "怎么把课程加入购物车结算",
        ],
        "answer": """\
购买只需几步：

1. 在[全部服务](/services/)中找到想要的课程或服务，进入详情页；
2. 选择**套餐**（以及需要的附加项），点击「加入购物车」；
3. 在[购物车](/cart/)中勾选要购买的项目，点击「去结算」；
4. 确认订单信息后提交，进入收银台选择支付方式完成付款。

付款成功后，可以在[我的订单](/orders/)中查看订单进度。""",
    },
    {
        "slug": "payment-methods",
        "category": "ordering-payment",
        "question": "支持哪些支付方式？",
        "similar": [
            "可以用微信付款吗",
            "能用支付宝吗",
            "付款方式有哪些",
            "支持信用卡或者花呗吗",
            "公司付款用什么方式",
        ],
        "answer": """\
收银台支持三种支付方式：

- **支付宝**：电脑上跳转到支付宝收银台付款，手机上直接唤起支付宝；
- **微信支付**：电脑上页面会显示二维码，用微信「扫一扫」付款；手机浏览器中会跳转到微信完成支付；
- **对公转账**：适合企业付款，向平台对公账户转账后上传转账凭证，由运营人员确认到账，详见[如何使用对公转账付款](/support/faq/bank-transfer/)。

能否使用花呗、信用卡等，以支付宝、微信支付收银台中显示的付款方式为准。""",
    },
    {
        "slug": "payment-deadline",
        "category": "ordering-payment",
        "question": "下单后多久内需要付款？超时会怎样？",
        "similar": [
            "订单为什么自动取消了",
            "没付款的订单会保留多久",
            "付款有时间限制吗",
            "订单超时未支付怎么办",
            "待付款订单过期了",
        ],
        "answer": """\
提交订单后请在 **30 分钟**内完成付款，超时未付款的订单会被**自动取消**，占用的名额同时释放给其他学员。

- 选择**对公转账**付款的，订单会保留 **72 小时**，请在此期间完成转账并上传凭证；
- 订单取消后无法恢复，如仍想购买，请重新下单。""",
    },
    {
        "slug": "split-orders",
        "category": "ordering-payment",
        "question": "为什么一次结算变成了好几个订单？",
        "similar": [
            "付了一次钱怎么有两个订单",
            "订单被拆开了",
            "拆单是什么意思",
            "合并支付是什么",
            "一个订单号变成多个",
            "为什么订单分成了两笔",
        ],
        "answer": """\
购物车中的课程可能来自不同的服务商。结算时，系统会按**服务商**把它们拆成多个订单（拆单），每个订单由对应的服务商负责服务、售后和开票。

这些订单只需**一次付款**（合并支付），付款成功后它们会同时变为「已付款」。之后每个订单的服务进度、退款都单独处理，互不影响。""",
    },
    {
        "slug": "paid-but-pending",
        "category": "ordering-payment",
        "question": "已经付款了，订单还显示待付款怎么办？",
        "similar": [
            "付完钱订单状态没变",
            "扣款成功了但是显示未支付",
            "钱扣了订单没更新",
            "支付成功后还是待付款",
            "付款了没反应",
        ],
        "answer": """\
支付结果由支付宝或微信支付通知平台，通常在付款后几秒到一两分钟内更新。请先：

1. 稍等片刻后**刷新订单页面**；
2. **不要重复付款**，以免多扣款。

如果超过 10 分钟仍显示待付款，请联系[在线客服](/support/chat/)，提供**订单号**和**付款截图**，我们会为您核实处理。""",
    },
    {
        "slug": "cancel-order",
        "category": "ordering-payment",
        "question": "怎么取消订单？",
        "similar": [
            "不想买了怎么取消",
            "下错单了能取消吗",
            "取消未付款的订单",
            "订单可以撤销吗",
        ],
        "answer": """\
- **待付款**的订单：在[我的订单](/orders/)中打开该订单，点击「取消订单」即可，也可以不付款，超时后会自动取消；
- **已付款**的订单不能直接取消，如不需要了，请在订单页「申请退款」，详见[如何申请退款](/support/faq/request-refund/)。""",
    },
    {
        "slug": "price-or-seats-changed",
        "category": "ordering-payment",
        "question": "结算时提示价格变化或名额已满怎么办？",
        "similar": [
            "购物车价格和结算价格不一样",
            "提示名额不足",
            "课程售罄了还能买吗",
            "为什么结算失败",
            "提示课程已下架",
        ],
        "answer": """\
提交订单时，系统会重新核对每个项目是否仍在售、**价格**是否变化以及**剩余名额**，并以结算时的价格为准：

- **价格变化**：请在购物车中确认新的价格后再结算；
- **名额已满**：名额在下单时占用，未付款的订单超时取消后名额会释放，可以稍后再看；
- **已下架**：该课程暂时无法购买，可以收藏后等待重新上架，或联系服务商了解情况。""",
    },
    # ---- 对公转账与发票 ----
    {
        "slug": "bank-transfer",
        "category": "bank-transfer-invoice",
        "question": "如何使用对公转账付款？",
        "similar": [
            "公司怎么付款",
            "可以公对公转账吗",
            "对公账户是多少",
            "企业转账付款流程",
            "转账凭证在哪里上传",
        ],
        "answer": """\
1. 在收银台选择**对公转账**，页面会显示平台的收款账户名、开户行、账号和应付金额；
2. 通过企业网银或银行柜台转账，**金额须与应付金额一致**，并在**附言（备注）中填写付款单号**；
3. 转账后回到该页面，**上传银行转账回单**（凭证）；
4. 运营人员核对到账后确认，订单随即变为「已付款」，您会在站内消息中收到通知。

对公转账的订单保留 **72 小时**，请在此期间完成转账并上传凭证。""",
    },
    {
        "slug": "bank-transfer-confirm-time",
        "category": "bank-transfer-invoice",
        "question": "对公转账后多久确认到账？",
        "similar": [
            "转账了多久能确认",
            "上传了凭证还没确认",
            "对公转账什么时候到账",
            "转账回单审核要多久",
            "凭证被驳回了怎么办",
        ],
        "answer": """\
上传转账凭证后，运营人员一般会在 **1 个工作日**内核对确认，结果会通过站内消息通知您。

- 如果凭证**未通过**，页面会显示原因，请按提示重新上传清晰、完整的银行回单；
- 跨行转账到账可能有延迟，请确保附言中写了付款单号，便于我们核对；
- 超过 1 个工作日仍未确认，可以联系[在线客服](/support/chat/)并提供付款单号。""",
    },
    {
        "slug": "invoice",
        "category": "bank-transfer-invoice",
        "question": "如何开具发票？",
        "similar": [
            "能开发票吗",
            "怎么申请发票",
            "需要报销开票",
            "发票找谁开",
            "可以开增值税专用发票吗",
            "在哪里申请开票",
        ],
        "answer": """\
目前网站上**还没有在线申请发票的功能**。课程和服务由服务商提供，发票由**服务商**（即卖方）开具，客服会帮您联系服务商办理。

请通过[在线客服](/support/chat/)或[提交工单](/support/tickets/new/)告诉我们：

- **订单号**（拆单后每个订单单独开票）；
- **发票抬头**：个人姓名或单位名称；
- 单位开票请提供**纳税人识别号（税号）**；
- 接收发票的邮箱。

能否开具增值税专用发票、开票时间，取决于服务商的开票资质，客服会在确认后告诉您。""",
    },
    {
        "slug": "bank-transfer-mistake",
        "category": "bank-transfer-invoice",
        "question": "转账金额转错或忘记写附言怎么办？",
        "similar": [
            "对公转账少转了",
            "转账多转了钱",
            "附言没写付款单号",
            "转账备注写错了",
        ],
        "answer": """\
请不要再次转账，先按以下方式处理：

- **忘记写附言或写错**：照常上传转账回单，运营人员会根据回单上的付款单位、金额和时间核对；
- **金额不一致**：请联系[在线客服](/support/chat/)，提供**付款单号**和**转账回单**，运营人员核实后会与您确认处理方式。

订单只保留 72 小时，如临近超时，请尽快联系客服。""",
    },
    # ---- 退款与售后 ----
    {
        "slug": "request-refund",
        "category": "refunds",
        "question": "如何申请退款？",
        "similar": [
            "不想上了怎么退款",
            "课程可以退吗",
            "退款在哪里申请",
            "我要退钱",
            "买错了想退款",
            "重复购买了怎么退",
        ],
        "answer": """\
在[我的订单](/orders/)中打开要退款的订单，点击「**申请退款**」，填写退款原因和金额（不超过页面显示的可退金额），需要时可以上传图片说明，提交即可。

- 可以申请退款的订单：**已付款、待服务、进行中**；
- 能退多少取决于该课程的退款规则，详见[退款规则](/support/faq/refund-policy/)；
- 服务商会在 **72 小时**内处理，处理结果会通过站内消息通知您。""",
    },
    {
        "slug": "refund-policy",
        "category": "refunds",
        "question": "退款规则是什么？能退多少？",
        "similar": [
            "开课了还能退吗",
            "上了一半能退多少钱",
            "为什么只能退一部分",
            "可退金额是怎么算的",
            "七天无理由退款吗",
        ],
        "answer": """\
每个课程的退款规则由服务商设置，写在课程详情页上，下单时的规则对您的订单有效。常见的规则有：

- **开课前可全额退款**：开始服务后不再退款；
- **按剩余学习期比例退款**：开始学习后，按剩余天数占学习期的比例退还；
- **付款后 7 天内可全额退款**：超过 7 天不再退款；
- **付款后不支持退款**：特殊情况可联系客服，由平台判断。

申请退款时，页面会自动算出**当前可退金额**（已退过的部分会扣除）。""",
    },
    {
        "slug": "refund-arrival-time",
        "category": "refunds",
        "question": "退款多久到账？退到哪里？",
        "similar": [
            "钱什么时候退回来",
            "退款多久到账",
            "退款同意了还没收到钱",
            "退款退到哪里",
            "退款成功了钱在哪",
        ],
        "answer": """\
退款申请提交后：

1. 服务商在 **72 小时**内同意或拒绝，**超时未处理的会自动同意**；
2. 同意后，平台会把钱**原路退回**到您付款的账户：支付宝退回支付宝，微信支付退回微信，对公转账退回付款账户；
3. 到账时间以支付渠道为准，一般即时到几个工作日不等；退款完成后订单会变为「已退款」，您会收到通知。

如果订单显示已退款但迟迟未收到，请联系[在线客服](/support/chat/)并提供订单号。""",
    },
    {
        "slug": "refund-rejected",
        "category": "refunds",
        "question": "服务商拒绝了我的退款申请怎么办？",
        "similar": [
            "退款被拒绝了",
            "商家不同意退款",
            "怎么申请平台介入",
            "对退款结果不满意",
            "老师不给退款怎么办",
        ],
        "answer": """\
如果对服务商拒绝退款的理由有异议，可以在订单页点击「**申请平台介入**」。

- 申请后会生成一张**投诉工单**，运营人员会查看双方的说明，必要时联系您补充材料；
- 平台的处理结果为最终结果，每笔退款**只能申请一次**平台介入；
- 处理进度可以在[我的工单](/support/tickets/)中查看。""",
    },
    {
        "slug": "refund-after-completion",
        "category": "refunds",
        "question": "订单已完成还能退款吗？",
        "similar": [
            "课程上完了还能退吗",
            "确认完成后能退款吗",
            "已完成的订单怎么退",
            "完成以后发现有问题",
            "课程结束后还能申请退款吗",
        ],
        "answer": """\
订单**已完成**后，订单页不再提供退款申请。

如果服务确实存在问题（如内容与描述严重不符、服务未实际完成），请[提交投诉工单](/support/tickets/new/)并关联该订单，写明情况、附上截图。运营人员核实后，**由平台决定**是否退款以及退款金额。""",
    },
    {
        "slug": "refund-no-response",
        "category": "refunds",
        "question": "服务商一直不处理退款怎么办？",
        "similar": [
            "退款申请没人处理",
            "商家不回复退款",
            "退款一直在审核中",
            "提交退款好几天了没动静",
        ],
        "answer": """\
服务商需要在 **72 小时**内处理退款申请。超过 72 小时未处理的，系统会**自动同意**退款，并原路退回给您，无需您再操作。

您可以在订单页查看退款申请的状态和处理期限。""",
    },
    # ---- 会员、优惠券与积分 ----
    {
        "slug": "membership",
        "category": "membership-coupons-points",
        "question": "什么是会员？有什么权益？",
        "similar": [
            "怎么开通会员",
            "会员有什么好处",
            "会员价是什么",
            "VIP怎么买",
            "会员能打折吗",
        ],
        "answer": """\
会员是开通了平台会员套餐的学员。在「[我的 → 会员](/me/membership/)」选择月度、季度或年度套餐，点「开通」付款后立即生效，有效期内可以享受：

- **会员价**：参与会员价的服务按套餐折扣计价（如 9 折），课程卡片和详情页会标出「会员价」，购物车和结算时自动按会员价计算；少数服务由服务商设置为不参与会员价；
- **可叠加**：会员价之后还可以再用优惠券和积分抵扣；
- **续费顺延**：会员期内再次购买，有效期从当前到期日起顺延；新套餐的折扣更低时，立即按更优的折扣计价；
- **到期提醒**：到期前 7 天会通过站内消息提醒您续费。

会员开通后不支持自行申请退款，如有特殊情况请联系客服。""",
    },
    {
        "slug": "coupons",
        "category": "membership-coupons-points",
        "question": "怎么领取和使用优惠券？",
        "similar": [
            "优惠券在哪里领",
            "有没有优惠码",
            "领的券怎么用不了",
            "结算时怎么用优惠券",
            "有什么优惠活动",
        ],
        "answer": """\
优惠券分为**平台券**和**服务商券**：

- 在[领券中心](/coupons/)领取，服务详情页也会显示可领的券；领到的券放在「[我的 → 优惠券](/me/coupons/)」；
- 结算时系统会自动为您选出最划算的券，您也可以手动更换：每个服务商的订单可用一张该服务商的券，整笔结算还可再用一张平台券；
- 满减门槛按会员价之后的金额计算，折扣券可能设有最高优惠金额；每张券的适用范围和有效期以券面说明为准；
- 新注册的学员会自动获得新人专享券，首单可用；
- 未付款的订单取消后，用掉的券会退回，在有效期内可以再用。""",
    },
    {
        "slug": "points",
        "category": "membership-coupons-points",
        "question": "积分怎么获得？有什么用？",
        "similar": [
            "积分怎么用",
            "积分可以抵现金吗",
            "怎么赚积分",
            "我的积分在哪里看",
        ],
        "answer": """\
所有学员都可以获得和使用积分：

- **获得**：订单完成后，实付金额每 1 元得 1 积分（积分抵扣的部分不计）；
- **使用**：结算时 100 积分抵 1 元，最多抵扣订单金额（会员价和优惠券之后）的 50%；
- **退回**：未付款的订单取消后，用掉的积分全部退回；订单退款时，按退款金额的比例退回用掉的积分，并扣回这笔订单获得的积分。

每一笔积分变动都记在积分明细中，可以在「[我的 → 积分](/me/points/)」查看余额和明细。""",
    },
    # ---- 账号与安全 ----
    {
        "slug": "sign-up",
        "category": "account-security",
        "question": "如何注册账号？",
        "similar": [
            "怎么注册",
            "可以用手机号注册吗",
            "用邮箱注册",
            "新用户怎么创建账号",
        ],
        "answer": """\
点击页面右上角的「注册」，可以选择两种方式：

- **手机号注册**：填写 11 位手机号并设置密码，输入收到的 6 位**短信验证码**完成验证；
- **邮箱注册**：填写邮箱并设置密码，点击验证邮件中的链接完成验证。

注册后可以用手机号或邮箱登录，也可以用手机或邮箱验证码登录。""",
    },
    {
        "slug": "forgot-password",
        "category": "account-security",
        "question": "忘记密码怎么办？",
        "similar": [
            "密码忘了",
            "怎么重置密码",
            "登录不上去了",
            "修改登录密码",
            "找回密码",
        ],
        "answer": """\
- **用手机号注册的**：在登录页选择用**验证码登录**，输入手机收到的短信验证码登录后，可以直接设置新密码，无需原密码；
- **用邮箱注册的**：在登录页点击「忘记密码」，填写邮箱，按收到的邮件中的链接重新设置密码。

已登录时，也可以在「[我的](/me/)」中的「密码」处修改密码。""",
    },
    {
        "slug": "change-phone",
        "category": "account-security",
        "question": "如何绑定或更换手机号？",
        "similar": [
            "换手机号了怎么办",
            "手机号不用了怎么改",
            "怎么绑定手机",
            "修改绑定的手机号码",
            "更换邮箱",
        ],
        "answer": """\
登录后进入「[我的](/me/)」，点击「**手机号**」即可绑定或更换，新手机号需要输入短信验证码完成验证。

- 为了账号安全，更换手机号、邮箱或密码前可能需要再次输入密码或验证码；
- 原手机号已停用、无法登录的，请联系[在线客服](/support/chat/)协助处理。""",
    },
    {
        "slug": "sms-code-not-received",
        "category": "account-security",
        "question": "收不到短信验证码怎么办？",
        "similar": [
            "验证码收不到",
            "短信一直不来",
            "手机收不到验证码",
            "验证码发送失败",
            "提示发送太频繁",
        ],
        "answer": """\
请依次检查：

1. 手机号是否填写正确，手机信号是否正常；
2. 短信是否被手机的**骚扰拦截**功能拦截；
3. 同一手机号 **30 秒内只能发送一次**，请稍候再点「重新发送」；验证码 **10 分钟**内有效。

仍收不到的，可以改用邮箱验证码登录，或联系[在线客服](/support/chat/)。""",
    },
    {
        "slug": "edit-profile",
        "category": "account-security",
        "question": "如何修改昵称和头像？",
        "similar": [
            "怎么改名字",
            "更换头像",
            "昵称在哪里修改",
            "个人资料怎么编辑",
        ],
        "answer": """\
进入「[我的 → 编辑资料](/me/profile/)」，可以修改**昵称**（最多 30 个字）和**头像**（支持 JPEG、PNG、WebP、GIF，不超过 5 MB，会自动裁成正方形）。

昵称会在服务商和评价中显示，请勿使用他人的真实信息。""",
    },
    # ---- 课程与服务 ----
    {
        "slug": "service-modes",
        "category": "courses-services",
        "question": "课程有哪些上课方式？",
        "similar": [
            "是线上课还是线下课",
            "直播课和录播课有什么区别",
            "一对一怎么上",
            "线下课在哪里上",
            "上课形式有哪些",
        ],
        "answer": """\
每个课程的详情页都写明了上课方式：

- **在线直播**：按约定时间在线上课，服务商会提供上课链接；
- **录播课程**：付款后即可开始学习，在学习期内随时观看；
- **一对一**：与讲师单独约定时间进行辅导或咨询；
- **线下面授**：在指定城市的地点上课，地址和时间由服务商确认。""",
    },
    {
        "slug": "when-service-starts",
        "category": "courses-services",
        "question": "付款后什么时候开始上课？",
        "similar": [
            "买了课怎么上课",
            "付款后在哪里看课",
            "什么时候能开始学",
            "上课时间怎么确定",
            "买完课没人联系我",
            "上课链接在哪里",
        ],
        "answer": """\
- **录播等即时开始的课程**：付款后自动开始，可以立即学习；
- **需要预约的课程**（直播、一对一、线下）：服务商接单后会**确认上课时间和方式**（上课链接或地址），订单变为「待服务」，您会收到通知，也可以在订单页查看。

付款后长时间没有收到安排的，可以先在订单页查看进度，或联系[在线客服](/support/chat/)。""",
    },
    {
        "slug": "order-statuses",
        "category": "courses-services",
        "question": "订单状态分别是什么意思？",
        "similar": [
            "待服务是什么意思",
            "订单状态怎么看",
            "进行中和已完成的区别",
            "我的订单显示已付款是什么状态",
        ],
        "answer": """\
- **待付款**：已下单，等待付款；
- **已付款**：付款成功，等待服务商接单并确认安排；
- **待服务**：服务商已确认时间和方式，等待开始；
- **进行中**：服务已经开始；
- **已完成**：服务结束，可以评价；
- **已取消**：未付款时取消或超时；
- **已退款**：钱已退回。

每个订单页都有完整的时间线，记录了每一步的时间。""",
    },
    {
        "slug": "confirm-completion",
        "category": "courses-services",
        "question": "课程结束后需要确认完成吗？",
        "similar": [
            "怎么确认收货",
            "确认完成在哪里",
            "订单一直显示进行中",
            "不确认会自动完成吗",
        ],
        "answer": """\
服务结束后，服务商会填写服务总结并完成订单，您也可以在订单页点击「**确认完成**」。

如果双方都没有操作，订单会在开始服务 **7 天**后（或学习期结束后，以较晚者为准）自动完成。确认完成后就**不能再自行申请退款**了，请在确认前确保服务已经完成。""",
    },
    {
        "slug": "write-review",
        "category": "courses-services",
        "question": "如何评价课程？",
        "similar": [
            "在哪里写评价",
            "怎么给老师打分",
            "课程上完了怎么评价",
            "怎么晒图评价",
        ],
        "answer": """\
订单**已完成**后，在订单页点击「**评价**」，给出 1 到 5 星的评分，写下您的感受，还可以上传图片。

评价会显示在课程详情页，服务商可以回复。请客观真实地评价，违反规定的评价会被平台隐藏。""",
    },
    # ---- 成为服务商 ----
    {
        "slug": "become-provider",
        "category": "providers",
        "question": "如何成为服务商（入驻开课）？",
        "similar": [
            "我想在平台开课",
            "怎么入驻",
            "讲师怎么申请",
            "机构入驻需要什么材料",
            "怎么成为老师卖课",
        ],
        "answer": """\
登录后访问[服务商入驻申请](/dashboard/apply/)：

1. 选择以**个人**还是**机构**身份入驻；
2. 填写展示名称、真实姓名或机构注册名称、**身份证号或营业执照号**，以及资质说明和个人/机构介绍；
3. 上传**资质文件**（如学历、证书、执业资格等）；
4. 提交后由运营人员审核，结果会通知您；未通过的会说明原因，修改后可以重新提交。

审核通过后即可进入服务商后台发布课程。""",
    },
    {
        "slug": "publish-service",
        "category": "providers",
        "question": "发布的课程为什么还没有上架？",
        "similar": [
            "课程审核要多久",
            "课程审核没通过",
            "怎么上架课程",
            "新建的服务在哪里提交审核",
        ],
        "answer": """\
新建的课程先保存为**草稿**，在服务商后台「服务」中提交审核后，由运营人员审核：

- **审核通过**：课程上架，学员可以购买；
- **未通过**：会写明原因，按要求修改后可以再次提交。

上架后的课程可以随时下架。""",
    },
    {
        "slug": "commission-settlement",
        "category": "providers",
        "question": "平台怎么收费？服务商收入怎么结算？",
        "similar": [
            "平台抽成多少",
            "佣金怎么算",
            "什么时候打款给服务商",
            "怎么提现",
            "结算明细在哪里看",
        ],
        "answer": """\
- 平台对**已完成**的订单收取一定比例的**佣金**，比例以入驻时的约定为准；
- 订单完成后，扣除佣金的部分计入您的结算余额；之后发生的退款会相应扣减；
- 运营人员**分批向服务商付款**，每一笔入账、扣减和付款都可以在服务商后台的「[结算](/dashboard/settlement/)」中查看。""",
    },
    {
        "slug": "provider-refunds",
        "category": "providers",
        "question": "服务商如何处理学员的退款申请？",
        "similar": [
            "学员申请退款我怎么处理",
            "服务商怎么同意退款",
            "拒绝退款要写理由吗",
            "退款申请在哪里看",
        ],
        "answer": """\
在服务商后台的「[退款](/dashboard/refunds/)」中查看学员的申请，请在 **72 小时**内同意或拒绝：

- 拒绝时请写明理由，学员可以申请平台介入，由运营人员裁决；
- 超过 72 小时未处理的，系统会**自动同意**；
- 退款完成后，该订单已结算的收入会从结算余额中相应扣减。""",
    },
    # ---- 联系客服 ----
    {
        "slug": "contact-support",
        "category": "contact-us",
        "question": "客服的工作时间是什么时候？怎么联系客服？",
        "similar": [
            "怎么找人工客服",
            "转人工",
            "客服电话是多少",
            "客服几点上班",
            "晚上有客服吗",
        ],
        "answer": """\
- **在线客服**：每天 **09:00–21:00**（北京时间）在线，在[在线客服](/support/chat/)页面发起对话即可；非工作时间也可以留言，客服上班后会尽快回复；
- **投诉与建议**：随时可以[提交工单](/support/tickets/new/)，处理进度和回复会通过站内消息通知您。

联系客服时，请尽量提供**订单号**，以便我们更快查询。""",
    },
    {
        "slug": "submit-ticket",
        "category": "contact-us",
        "question": "如何投诉或提建议？",
        "similar": [
            "我要投诉",
            "投诉服务商",
            "怎么提意见",
            "工单怎么提交",
            "对老师不满意",
            "怎么反馈问题",
        ],
        "answer": """\
进入[投诉与建议](/support/tickets/new/)：

1. 选择**投诉**或**建议**，填写标题和具体情况；
2. 与订单有关的，请选择**相关订单**；
3. 可以上传图片或 PDF 作为证明材料。

提交后，可以在[我的工单](/support/tickets/)中查看进度和客服的回复，有新回复时会通知您。""",
    },
    {
        "slug": "ticket-status",
        "category": "contact-us",
        "question": "工单处理完了还能再打开吗？",
        "similar": [
            "工单被关闭了",
            "问题没解决怎么重新打开工单",
            "工单多久会关闭",
            "工单状态是什么意思",
        ],
        "answer": """\
工单会经过「**已提交 → 处理中 → 已解决 → 已关闭**」几个阶段：

- 客服标记**已解决**后，如果您 **7 天**内没有回复，工单会自动关闭；
- 问题没有解决的，在已解决时直接回复即可继续沟通；已关闭的工单在关闭后 **7 天**内可以**重新打开**；
- 工单关闭后，欢迎为本次服务评分。""",
    },
]

# (title, body), in display order: what agents say most often.
CANNED_REPLIES = [
    ("问候", "您好，这里是 KS Mall 客服，很高兴为您服务，请问有什么可以帮您？"),
    ("请稍等", "好的，正在为您查询，请稍等一两分钟。"),
    (
        "询问订单号",
        "麻烦您提供一下订单号（以 KS 开头，可以在「我的订单」中查看），方便我为您查询。",
    ),
    (
        "退款流程",
        "退款可以在「我的订单」中打开该订单，点击「申请退款」提交。服务商会在 72 小时内处理，"
        "超时未处理的会自动同意；同意后钱会原路退回到您付款的账户。",
    ),
    (
        "对公转账确认时间",
        "对公转账上传凭证后，运营人员一般会在 1 个工作日内核对确认，确认后订单会变为已付款，"
        "并通过站内消息通知您。请确认转账附言中填写了付款单号。",
    ),
    (
        "开票所需信息",
        "开具发票请提供：订单号、发票抬头（个人姓名或单位名称）、单位的纳税人识别号，"
        "以及接收发票的邮箱。发票由服务商开具，我们会帮您联系办理。",
    ),
    (
        "非工作时间",
        "您好，客服的工作时间是每天 09:00–21:00，现在不在工作时间。您可以先留言，"
        "我们上班后会第一时间回复您；紧急问题也可以提交工单。",
    ),
    ("结束语", "请问还有其他可以帮您的吗？如果没有，感谢您的咨询，祝您学习愉快！"),
]


def _upsert(model, lookup: dict, values: dict) -> bool:
    """Create the row or bring it up to date, writing only when something differs (so a
    second seed leaves the FAQ, its updated_at and the search index alone). True when
    it wrote."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        model.objects.create(**lookup, **values)
        return True
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    if changed:
        row.save()
    return bool(changed)


@transaction.atomic
def load_support_demo() -> dict:
    """Create or update the demo FAQ and canned replies by slug or title; running it again
    changes nothing. Returns the counts it holds, and how many rows it wrote."""
    written = 0
    categories = {}
    for position, (slug, name) in enumerate(CATEGORIES):
        written += _upsert(FaqCategory, {"slug": slug}, {"name": name, "position": position})
        categories[slug] = FaqCategory.objects.get(slug=slug)
    positions: dict[str, int] = {}
    for entry in ENTRIES:
        position = positions[entry["category"]] = positions.get(entry["category"], -1) + 1
        values = {
            "category": categories[entry["category"]],
            "question": entry["question"],
            "answer": entry["answer"],
            "similar_questions": "\n".join(entry["similar"]),
            "position": position,
            "is_published": True,
        }
        written += _upsert(FaqEntry, {"slug": entry["slug"]}, values)
    for position, (title, body) in enumerate(CANNED_REPLIES):
        values = {"body": body, "position": position, "is_active": True}
        written += _upsert(CannedReply, {"title": title}, values)
    return {
        "categories": len(CATEGORIES),
        "entries": len(ENTRIES),
        "canned_replies": len(CANNED_REPLIES),
        "written": written,
    }
