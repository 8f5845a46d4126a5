"""The demo catalogue that ``manage.py seed_demo`` loads, and the bulk top-up for benchmarks.

Everything is fixed data plus choices from seeded random generators, so every run builds the
same catalogue; rows are found by slug (categories, services) or name (instructors) and only
the missing ones are created, so running it again changes nothing.
"""

import functools
import io
import random
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageChops, ImageDraw, ImageFont

from accounts.models import ProviderProfile, User

from .media import portrait_file
from .models import AddOn, Category, Instructor, Package, Review, Service, SyllabusItem
from .services import add_gallery_image, add_review, refresh_listing, search_text_for

SEED = 20261123

LIVE = Service.Mode.LIVE
RECORDED = Service.Mode.RECORDED
ONE_TO_ONE = Service.Mode.ONE_TO_ONE
OFFLINE = Service.Mode.OFFLINE


def _rng(key: str) -> random.Random:
    """A generator of its own per row: a service's choices do not depend on which other
    rows already exist, so a partial catalogue is completed exactly as a fresh one."""
    return random.Random(f"{SEED}:{key}")  # noqa: S311 (demo data, not secrets)


# ---- categories ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategorySpec:
    slug: str
    name: str
    icon: str
    label: str  # drawn on covers when no CJK font is installed
    colour: str  # the cover's colour field
    parent: str | None = None


CATEGORIES = (
    CategorySpec("language", "语言学习", "🌏", "Languages", "#2563eb"),
    CategorySpec("english", "英语", "🔤", "English", "#2563eb", "language"),
    CategorySpec("japanese", "日语", "🗾", "Japanese", "#db2777", "language"),
    CategorySpec("ielts-toefl", "雅思托福", "📝", "IELTS & TOEFL", "#7c3aed", "language"),
    CategorySpec("career", "职业技能", "💼", "Career skills", "#0f766e"),
    CategorySpec("programming", "编程开发", "💻", "Programming", "#0f766e", "career"),
    CategorySpec("data-analysis", "数据分析", "📊", "Data analysis", "#0369a1", "career"),
    CategorySpec("product", "产品经理", "🧩", "Product", "#c2410c", "career"),
    CategorySpec("design", "设计", "🎨", "Design", "#a21caf", "career"),
    CategorySpec("hobbies", "兴趣爱好", "🎯", "Hobbies", "#b45309"),
    CategorySpec("photography", "摄影", "📷", "Photography", "#374151", "hobbies"),
    CategorySpec("calligraphy", "书法", "🖌️", "Calligraphy", "#7f1d1d", "hobbies"),
    CategorySpec("music", "乐器", "🎸", "Music", "#b45309", "hobbies"),
    CategorySpec("exams", "考试升学", "🎓", "Exams", "#1e3a8a"),
    CategorySpec("postgraduate", "考研", "📚", "Postgraduate", "#1e3a8a", "exams"),
    CategorySpec("civil-service", "公务员", "🏛️", "Civil service", "#991b1b", "exams"),
    CategorySpec("teacher-cert", "教师资格", "🍎", "Teaching", "#15803d", "exams"),
    CategorySpec("consulting", "咨询服务", "🤝", "Consulting", "#4338ca"),
    CategorySpec("career-planning", "职业规划", "🧭", "Career planning", "#4338ca", "consulting"),
    CategorySpec("counselling", "心理咨询", "🌱", "Counselling", "#0d9488", "consulting"),
    CategorySpec("study-abroad", "留学咨询", "✈️", "Study abroad", "#0e7490", "consulting"),
)
CATEGORY_BY_SLUG = {spec.slug: spec for spec in CATEGORIES}

# The second paragraph of every description: who the category's services are for.
AUDIENCE = {
    "english": "适合想把英语真正用起来的职场人和大学生：不追求应试技巧，重在听懂、说出、写对。",
    "japanese": "适合动漫爱好者、赴日旅行和留学的同学，以及工作中需要用到日语的职场人。",
    "ielts-toefl": "适合准备出国留学、移民或工作签证的同学，有明确的目标分数和考试时间更好。",
    "programming": "适合零基础转行、想提升工程能力的在校生和在职开发者，课程全部基于真实项目。",
    "data-analysis": "适合运营、财务、市场等需要和数据打交道的岗位，也适合准备转行数据分析的同学。",
    "product": "适合想转岗产品经理的运营、设计和开发同学，以及工作 1–3 年希望系统提升的产品新人。",
    "design": "适合设计新人、想转行 UI/UX 的同学，以及需要自己动手做图的运营和产品经理。",
    "photography": "适合刚入手相机或只想用手机拍好照片的摄影爱好者，不需要任何摄影基础。",
    "calligraphy": "适合想写一手好字的成年人和孩子家长，每天 15 分钟练习即可看到变化。",
    "music": "适合零基础的成年人和青少年，没有乐理基础也能跟上，重在享受音乐。",
    "postgraduate": "适合 2027 届考研的同学，以及二战、在职备考的考生，全程有班主任督学。",
    "civil-service": "适合准备国考、省考和事业单位考试的同学，应届生和在职备考都可以。",
    "teacher-cert": "适合准备中小学、幼儿园教师资格证考试的同学，师范和非师范专业均可报考。",
    "career-planning": "适合职业方向迷茫、准备跳槽或转行，以及刚走上管理岗位的职场人。",
    "counselling": "适合正在经历情绪困扰、压力过大或关系困惑的朋友。本服务不能替代医疗诊断与治疗。",
    "study-abroad": "适合计划申请英国、美国、中国香港、新加坡等地本科或硕士项目的同学及家长。",
}


# ---- providers, instructors and learners ---------------------------------------------------


@dataclass(frozen=True)
class InstructorSpec:
    name: str
    title: str
    credentials: str
    bio: str
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProviderSpec:
    key: str
    email: str
    name: str
    kind: str
    about: str
    instructors: tuple[InstructorSpec, ...]


INDIVIDUAL = ProviderProfile.Kind.INDIVIDUAL
INSTITUTION = ProviderProfile.Kind.INSTITUTION

PROVIDERS = (
    ProviderSpec(
        "wang",
        "provider@ksmall.local",
        "王老师工作室",
        INSTITUTION,
        "王老师工作室创办于 2014 年，专注成人英语与日语教学，累计服务学员 3 万余人。",
        (
            InstructorSpec(
                "王静",
                "创始人 · 英语主讲",
                "北京外国语大学英语语言文学硕士\nCATTI 二级笔译证书\n12 年成人英语教学经验",
                "曾任外企培训经理，擅长把语法和表达讲得简单好懂，学员亲切地叫她“静姐”。",
                ("english", "ielts-toefl"),
            ),
            InstructorSpec(
                "陈思远",
                "雅思口语主讲",
                "雅思总分 8.5，口语 9 分\n英国利兹大学 TESOL 硕士\n累计辅导雅思学员 2000 余人",
                "讲课风格轻松幽默，擅长用话题串讲帮学员快速积累口语素材。",
                ("ielts-toefl", "english"),
            ),
            InstructorSpec(
                "苏晴",
                "日语主讲",
                "JLPT N1 满分\n日本早稻田大学交换留学一年\n8 年日语教学经验",
                "喜欢用动漫和日剧里的真实对话教日语，让五十音不再枯燥。",
                ("japanese",),
            ),
        ),
    ),
    ProviderSpec(
        "qiming",
        "provider2@ksmall.local",
        "启明教育",
        INSTITUTION,
        "启明教育深耕考研、公考、教资培训十余年，在北京、武汉设有线下校区。",
        (
            InstructorSpec(
                "赵明轩",
                "考研教研负责人",
                "北京师范大学教育学硕士\n考研辅导经验 10 年\n主编《考研英语真题精解》",
                "独创“长难句三步拆解法”，讲真题逻辑清楚、节奏紧凑。",
                ("postgraduate",),
            ),
            InstructorSpec(
                "孙立群",
                "公考申论讲师",
                "中国人民大学公共管理硕士\n曾任省直机关公务员 6 年",
                "熟悉机关公文写作，擅长帮学员搭建申论答题框架。",
                ("civil-service",),
            ),
            InstructorSpec(
                "周婉清",
                "教资面试讲师",
                "华东师范大学学科教学（语文）硕士\n中学一级教师\n指导教资面试学员 3000 余人",
                "一线教学出身，试讲示范生动，点评一针见血。",
                ("teacher-cert",),
            ),
        ),
    ),
    ProviderSpec(
        "lixue",
        "provider3@ksmall.local",
        "李雪摄影工作室",
        INDIVIDUAL,
        "独立摄影师李雪的个人工作室，作品发表于多家旅行与人文杂志。",
        (
            InstructorSpec(
                "李雪",
                "摄影师 · 主讲",
                "中国摄影家协会会员\n15 年商业与人像拍摄经验\n索尼影像认证讲师",
                "从杂志摄影师转型做教学，喜欢带学员走街串巷拍真实的生活。",
                ("photography",),
            ),
            InstructorSpec(
                "何川",
                "后期修图讲师",
                "Adobe 认证专家（ACE）\n前 4A 广告公司资深修图师",
                "擅长调色与人像精修，讲课注重可复用的工作流。",
                ("photography",),
            ),
        ),
    ),
    ProviderSpec(
        "shujupai",
        "provider4@ksmall.local",
        "数据派学院",
        INSTITUTION,
        "数据派学院由一群来自互联网公司的工程师创办，专注编程与数据分析的实战教学。",
        (
            InstructorSpec(
                "刘博",
                "首席讲师 · 前数据科学家",
                "北京大学统计学硕士\n前头部电商平台数据科学家\n8 年数据分析与建模经验",
                "讲课只用真实业务数据，强调“能落地的分析”。",
                ("data-analysis",),
            ),
            InstructorSpec(
                "郑楠",
                "Python 高级讲师",
                "浙江大学计算机硕士\n开源项目贡献者\n著有《Python 自动化办公实战》",
                "擅长把复杂的技术概念拆成小步骤，零基础学员口碑很好。",
                ("programming", "data-analysis"),
            ),
            InstructorSpec(
                "黄启",
                "全栈开发讲师",
                "10 年 Web 开发经验\n前创业公司技术负责人",
                "做过从 0 到 1 的创业产品，课上会讲很多工程实践里的取舍。",
                ("programming",),
            ),
        ),
    ),
    ProviderSpec(
        "qinghe",
        "provider5@ksmall.local",
        "青禾职场",
        INSTITUTION,
        "青禾职场专注职场人成长：产品、设计与职业发展，导师均有 10 年以上一线经验。",
        (
            InstructorSpec(
                "许嘉",
                "资深产品总监",
                "前互联网公司产品总监\n主导过日活千万级产品\nNPDP 产品经理国际认证",
                "相信好产品来自对用户的理解，课上大量拆解真实案例。",
                ("product",),
            ),
            InstructorSpec(
                "唐悦",
                "UI/UX 设计讲师",
                "中央美术学院视觉传达学士\n前互联网公司高级交互设计师\n作品获 iF 设计奖",
                "注重设计背后的思考过程，帮学员做出能拿 offer 的作品集。",
                ("design",),
            ),
            InstructorSpec(
                "邓航",
                "职业规划师",
                "国家二级企业培训师\nGCDF 全球职业规划师\n曾任 500 强企业 HRD",
                "做过 12 年招聘与人才发展，最了解企业想要什么样的人。",
                ("career-planning",),
            ),
        ),
    ),
    ProviderSpec(
        "moxiang",
        "provider6@ksmall.local",
        "墨香书法 · 周老师",
        INDIVIDUAL,
        "周墨老师的书法课堂，坚持“先读帖、后临帖”，线上线下同步教学。",
        (
            InstructorSpec(
                "周墨",
                "书法讲师",
                "中国书法家协会会员\n20 年临池经验\n作品入展全国书法篆刻展",
                "性格温和，讲笔法细致入微，特别擅长给成年人纠正执笔。",
                ("calligraphy",),
            ),
        ),
    ),
    ProviderSpec(
        "zhiyin",
        "provider7@ksmall.local",
        "知音音乐课堂",
        INSTITUTION,
        "知音音乐课堂面向成人与青少年，提供钢琴、吉他、古筝等乐器课程。",
        (
            InstructorSpec(
                "吴雨桐",
                "钢琴讲师",
                "中央音乐学院钢琴演奏硕士\n10 年成人钢琴教学经验",
                "擅长成人钢琴教学，让“手指不听话”的零基础学员也能弹出完整曲子。",
                ("music",),
            ),
            InstructorSpec(
                "高翔",
                "吉他讲师",
                "独立音乐人，发行原创专辑两张\n10 年吉他与尤克里里教学经验",
                "课堂轻松，喜欢从学员喜欢的歌入手。",
                ("music",),
            ),
        ),
    ),
    ProviderSpec(
        "yuanhang",
        "provider8@ksmall.local",
        "远航留学",
        INSTITUTION,
        "远航留学成立于 2012 年，顾问团队均有海外名校背景，已帮助 5000 余名学生拿到录取。",
        (
            InstructorSpec(
                "林思彤",
                "资深留学顾问",
                "英国伦敦政治经济学院硕士\n9 年留学申请咨询经验",
                "擅长英港新方向，规划细致，文书修改耐心。",
                ("study-abroad",),
            ),
            InstructorSpec(
                "张凯文",
                "托福 / 雅思讲师",
                "托福 115，GRE 330\n美国哥伦比亚大学教育学硕士",
                "中英双语授课，擅长听力与口语。",
                ("ielts-toefl",),
            ),
        ),
    ),
    ProviderSpec(
        "linyi",
        "provider9@ksmall.local",
        "林一心理",
        INDIVIDUAL,
        "林一老师的个人心理咨询工作室，遵循中国心理学会临床与咨询心理学工作伦理守则。",
        (
            InstructorSpec(
                "林一",
                "心理咨询师",
                "国家二级心理咨询师\n北京师范大学应用心理学硕士\n个案时长 3000 小时以上",
                "擅长情绪困扰、压力管理与亲子关系，咨询风格温和、稳定。",
                ("counselling",),
            ),
        ),
    ),
)
PROVIDER_BY_KEY = {spec.key: spec for spec in PROVIDERS}

# Learners who write the reviews, besides the two demo learners seed_demo always creates.
LEARNERS = (
    ("learner3@ksmall.local", "小雨"),
    ("learner4@ksmall.local", "大鹏同学"),
    ("learner5@ksmall.local", "Kiki"),
    ("learner6@ksmall.local", "橙子"),
    ("learner7@ksmall.local", "老周"),
    ("learner8@ksmall.local", "一帆"),
    ("learner9@ksmall.local", "糖糖"),
    ("learner10@ksmall.local", "晓峰"),
    ("learner11@ksmall.local", "木木"),
    ("learner12@ksmall.local", "Sunny 陈"),
)
REVIEWER_EMAILS = ("learner@ksmall.local", "learner2@ksmall.local") + tuple(
    email for email, _ in LEARNERS
)


# ---- services --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackageSpec:
    name: str
    price: str
    original: str | None = None
    lessons: int | None = None
    days: int | None = None
    capacity: int | None = None
    reserved: int = 0


@dataclass(frozen=True)
class ServiceSpec:
    slug: str
    category: str
    provider: str
    mode: str
    price: str  # the first package's price; the others are derived from it
    title: str
    summary: str
    tags: str
    outcomes: tuple[str, ...]
    lessons: tuple[str, ...]
    is_featured: bool = False
    city: str = ""
    days: int | None = None
    packages: tuple[PackageSpec, ...] = ()
    status: str = Service.Status.PUBLISHED
    rejection_reason: str = ""


def _service(
    slug, category, provider, mode, price, title, summary, tags, outcomes, lessons, **extra
) -> ServiceSpec:
    """A ServiceSpec from one compact row: outcomes and lessons are separated by "|"."""
    return ServiceSpec(
        slug=slug,
        category=category,
        provider=provider,
        mode=mode,
        price=price,
        title=title,
        summary=summary,
        tags=tags,
        outcomes=tuple(outcomes.split("|")),
        lessons=tuple(lessons.split("|")),
        **extra,
    )


# fmt: off
SERVICES = (
    # -- 英语 --
    _service(
        "demo-english-speaking-30d", "english", "wang", LIVE, "699",
        "30 天英语口语突破营",
        "每天 20 分钟跟读，每周两次小班连麦，从“不敢开口”到能聊日常话题",
        "英语口语,日常交流,小班连麦",
        "掌握 300 个高频日常表达|能用英语完成 3 分钟自我介绍|养成每天开口练习的习惯"
        "|纠正 10 个最常见的发音问题",
        "开口第一课：克服说英语的紧张|自我介绍与寒暄|点餐、购物与问路|电话与预约"
        "|聊兴趣爱好|表达观点：同意与反对|讲一个完整的小故事|结营展示",
        is_featured=True,
    ),
    _service(
        "demo-business-english", "english", "wang", LIVE, "1299",
        "职场商务英语：邮件、会议与汇报",
        "面向外企与出海团队，用真实工作场景练会写邮件、开会议和做汇报",
        "商务英语,职场,邮件写作",
        "写出结构清晰、语气得体的商务邮件|在英文会议中清楚表达观点并追问|用英文完成 5 分钟项目汇报",
        "商务邮件的结构与语气|请求、催办与致歉邮件|会议中的发言与插话|电话会议常用表达"
        "|用英文描述数据与图表|项目汇报实战|谈判基础表达|结课模拟会议",
    ),
    _service(
        "demo-english-grammar", "english", "wang", RECORDED, "199",
        "零基础英语语法精讲 60 讲",
        "从词性到从句，一套课讲透语法体系，配套 1200 道练习题随学随练",
        "英语语法,零基础,自学",
        "搭建完整的英语语法框架|看懂长难句的主干与修饰成分|完成 1200 道配套练习",
        "词性与句子成分|五种基本句型|时态（一）：一般时与进行时|时态（二）：完成时"
        "|被动语态|名词性从句|定语从句|状语从句|非谓语动词|虚拟语气",
    ),
    _service(
        "demo-new-concept-2", "english", "wang", RECORDED, "299",
        "新概念英语第二册逐课精讲",
        "96 课逐句讲解，语法、词汇和背诵方法一次讲清，适合自学打卡",
        "新概念英语,背诵,词汇",
        "读懂并背诵第二册全部课文|掌握课文涉及的核心语法点|积累 1500 个常用词汇",
        "Lesson 1 A private conversation|Lesson 2 Breakfast or lunch?"
        "|Lesson 3 Please send me a card|Lesson 4 An exciting trip|Lesson 5 No wrong numbers"
        "|Lesson 6 Percy Buttons|Lesson 7 Too late|Lesson 8 The best and the worst",
    ),
    _service(
        "demo-english-tutor", "english", "wang", ONE_TO_ONE, "399",
        "英语 1 对 1 私教（按次预约）",
        "先测评再定制学习计划，口语、写作、考试辅导都可以约",
        "英语私教,1对1,定制计划",
        "拿到一份针对自己弱项的学习计划|每次课后收到书面反馈与练习|按自己的节奏稳步提升",
        "水平测评与目标沟通|定制学习计划|每周 1 对 1 授课|阶段复盘与计划调整",
    ),
    # -- 日语 --
    _service(
        "demo-japanese-n5", "japanese", "wang", LIVE, "899",
        "日语零基础直达 N5",
        "五十音、基础语法和日常会话，12 周打好日语地基",
        "日语,五十音,JLPT N5",
        "熟练读写平假名与片假名|掌握 N5 全部语法点|能进行简单的日常会话",
        "五十音：平假名|五十音：片假名|问候与自我介绍|名词句与形容词句|动词的ます形"
        "|て形与请求表达|时间、数字与购物|N5 模拟测试",
    ),
    _service(
        "demo-japanese-n2", "japanese", "wang", LIVE, "1599",
        "JLPT N2 考前冲刺班",
        "语法、阅读、听力三线并进，考前 8 周系统冲刺",
        "日语,JLPT N2,考试冲刺",
        "梳理 N2 高频语法 200 条|掌握长篇阅读的解题顺序|听力题型逐一突破",
        "N2 考试结构与备考策略|高频语法（一）|高频语法（二）|文字词汇专项|阅读：中长篇"
        "|阅读：信息检索|听力：课题理解|听力：即时应答|全真模考与讲评",
    ),
    _service(
        "demo-japanese-anime", "japanese", "wang", RECORDED, "99",
        "看动漫学日语：50 个高频口语表达",
        "从经典动漫片段里学地道口语，轻松又好记",
        "日语,动漫,口语",
        "听懂动漫里最常见的 50 个口语表达|学会区分敬语与日常用语|跟读模仿地道语音语调",
        "为什么动漫日语“听得懂却说不出”|打招呼与道别|表达情绪|拜托与拒绝|朋友之间的口头禅",
    ),
    _service(
        "demo-japanese-business", "japanese", "wang", ONE_TO_ONE, "499",
        "商务日语 1 对 1 辅导",
        "针对日企面试、邮件与会议场景，一对一打磨敬语和商务表达",
        "商务日语,敬语,日企",
        "正确使用尊敬语与谦让语|写出规范的商务邮件|从容应对日企面试",
        "需求沟通与水平测评|敬语体系梳理|商务邮件与电话|面试模拟与点评",
    ),
    # -- 雅思托福 --
    _service(
        "demo-ielts-speaking-7", "ielts-toefl", "wang", LIVE, "2499",
        "雅思口语 7 分冲刺班",
        "覆盖当季题库，话题串讲 + 1 对 1 模考，帮你稳稳拿到 7 分",
        "雅思,口语,IELTS",
        "准备好当季题库全部 Part 1 话题|掌握 Part 2 万能串题思路|完成 3 次真人模考并拿到评分",
        "雅思口语评分标准拆解|Part 1 高频话题|Part 2 人物与地点类|Part 2 事件与物品类"
        "|Part 3 观点展开|发音与流利度训练|模考与讲评（一）|模考与讲评（二）",
        is_featured=True,
    ),
    _service(
        "demo-ielts-writing-review", "ielts-toefl", "wang", ONE_TO_ONE, "199",
        "雅思写作逐篇精批",
        "资深考官思路逐句批改，告诉你每一分扣在了哪里",
        "雅思,写作,批改",
        "拿到按四项评分标准给出的逐项评分|看懂范文的结构与衔接|避免反复出现的语法错误",
        "提交作文与目标分数|48 小时内返回精批|30 分钟语音讲解|修改稿复批",
    ),
    _service(
        "demo-toefl-100", "ielts-toefl", "yuanhang", LIVE, "3999",
        "托福 100+ 全科强化班",
        "听说读写四科系统强化，每周模考，目标稳定 100 分以上",
        "托福,TOEFL,留学考试",
        "熟悉新版托福全部题型|阅读、听力稳定在 27 分以上|口语、写作有可复用的答题模板",
        "新版托福介绍与诊断|阅读：词汇与句子简化|阅读：推理与总结|听力：讲座笔记法"
        "|听力：对话题|口语：独立题|口语：综合题|写作：学术讨论|写作：综合写作|全真模考",
    ),
    _service(
        "demo-ielts-vocab", "ielts-toefl", "wang", RECORDED, "9.90",
        "雅思核心词汇 21 天打卡",
        "每天 15 分钟，按话题记忆 1500 个雅思核心词",
        "雅思,词汇,打卡",
        "掌握 1500 个雅思高频词|学会按话题和词根记单词|养成每天打卡的学习习惯",
        "学习方法：话题记忆法|教育与科技|环境与城市|健康与运动|文化与艺术",
    ),
    _service(
        "demo-ielts-mock-shanghai", "ielts-toefl", "yuanhang", OFFLINE, "599",
        "雅思全真模考 · 上海考点",
        "按官方流程全真模考，考后一周出分并提供口语、写作书面点评",
        "雅思,模考,上海",
        "提前熟悉真实考场的流程与节奏|拿到四科预估分数|获得口语与写作的书面点评",
        "考场须知与签到|听力与阅读|写作|口语面试|成绩与点评发放",
        city="上海",
        days=1,
        packages=(PackageSpec("全真模考席位", "599", "799", capacity=30, reserved=30),),
    ),
    # -- 编程开发 --
    _service(
        "demo-python-basics", "programming", "shujupai", RECORDED, "399",
        "Python 零基础入门到自动化办公",
        "从安装环境讲起，学会用 Python 批量处理 Excel、Word 和邮件",
        "Python,自动化办公,零基础",
        "掌握 Python 基础语法与常用数据结构|用脚本批量处理 Excel 与 Word|写出第一个定时任务",
        "安装 Python 与 VS Code|变量、类型与运算|条件与循环|列表、字典与集合|函数与模块"
        "|文件读写|用 openpyxl 处理 Excel|用 python-docx 生成 Word|自动发送邮件"
        "|结课项目：周报机器人",
        is_featured=True,
    ),
    _service(
        "demo-web-fullstack", "programming", "shujupai", LIVE, "5999",
        "Web 全栈开发训练营（Vue + Django）",
        "16 周从前端到后端，做完一个可上线的电商项目",
        "Web开发,Vue,Django,全栈",
        "独立完成前后端分离项目|掌握 Vue 3 组件化开发|用 Django 设计 REST 接口并部署上线",
        "HTML、CSS 与响应式布局|JavaScript 核心|Vue 3 组件与路由|状态管理与请求封装"
        "|Django 模型与后台|REST 接口设计|登录与权限|订单与支付流程|Docker 部署|项目答辩",
    ),
    _service(
        "demo-algorithm-interview", "programming", "shujupai", LIVE, "1999",
        "算法与数据结构：面试通关",
        "精选 150 道高频面试题，按题型讲透解题模板",
        "算法,数据结构,面试,LeetCode",
        "掌握 12 类高频题型的解题模板|能在 30 分钟内完成中等难度题|学会清晰地讲出解题思路",
        "复杂度分析|数组与双指针|链表|栈与队列|哈希表|二叉树|回溯|动态规划（一）"
        "|动态规划（二）|图与并查集|模拟面试",
    ),
    _service(
        "demo-go-backend", "programming", "shujupai", RECORDED, "699",
        "Go 语言后端开发实战",
        "从语法到微服务，用 Go 写一个高并发的短链接服务",
        "Go,后端,微服务",
        "掌握 Go 的并发模型|用 Gin 写出规范的 HTTP 服务|理解缓存、限流与链路追踪",
        "Go 语法速览|goroutine 与 channel|Gin 框架|数据库与 GORM|Redis 缓存|限流与熔断"
        "|日志与链路追踪|部署与压测",
    ),
    _service(
        "demo-code-review", "programming", "shujupai", ONE_TO_ONE, "800",
        "资深工程师 1 对 1 代码评审",
        "提交你的项目代码，资深工程师逐行评审并连麦讲解改进方向",
        "代码评审,职业发展,编程",
        "发现代码中的设计与性能问题|拿到一份可执行的改进清单|了解一线团队的工程规范",
        "提交代码仓库与背景|工程师离线评审|60 分钟连麦讲解|一周后复查",
    ),
    # -- 数据分析 --
    _service(
        "demo-python-data-101", "data-analysis", "shujupai", LIVE, "1299",
        "Python 数据分析实战营",
        "从 Pandas 到可视化，8 周完成 3 个真实业务分析项目",
        "Python,数据分析,Pandas,可视化",
        "熟练使用 Pandas 清洗与整理数据|用 Matplotlib 和 Seaborn 做出专业图表"
        "|完成电商、用户留存、A/B 测试 3 个项目|写出有结论、有建议的分析报告",
        "数据分析思维与环境搭建|NumPy 基础|Pandas 数据读取与清洗|分组、透视与合并"
        "|数据可视化|项目一：电商销售分析|项目二：用户留存分析|项目三：A/B 测试|分析报告写作",
        is_featured=True,
        packages=(
            PackageSpec("标准班", "1299", "1699", lessons=9, days=180, capacity=20, reserved=17),
            PackageSpec("进阶班", "1999", "2499", lessons=12, days=365),
            PackageSpec("1对1 私教", "6800", lessons=12, days=365, capacity=5, reserved=5),
        ),
    ),
    _service(
        "demo-excel-pro", "data-analysis", "shujupai", RECORDED, "129",
        "Excel 数据处理与可视化 30 讲",
        "函数、透视表和图表一次学会，每天少加一小时班",
        "Excel,数据透视表,办公技能",
        "熟练使用 VLOOKUP、XLOOKUP 等 30 个常用函数|用透视表 5 分钟完成月度汇总|做出清晰的业务图表",
        "数据录入规范|常用函数（一）|常用函数（二）|数据透视表|条件格式|图表设计|动态看板",
    ),
    _service(
        "demo-sql-analyst", "data-analysis", "shujupai", RECORDED, "299",
        "SQL 数据分析从入门到熟练",
        "面向业务分析的 SQL 课，窗口函数和留存分析讲得明明白白",
        "SQL,数据分析,MySQL",
        "独立写出多表关联查询|熟练使用窗口函数|用 SQL 完成留存与漏斗分析",
        "数据库与表|SELECT 基础|聚合与分组|多表关联|子查询|窗口函数|留存分析|漏斗分析",
    ),
    _service(
        "demo-powerbi-dashboard", "data-analysis", "shujupai", LIVE, "999",
        "Power BI 商业看板实战",
        "从数据建模到发布看板，做出老板爱看的经营分析仪表盘",
        "Power BI,商业智能,数据可视化",
        "掌握 Power Query 数据清洗|理解星型模型与 DAX 度量值|发布一个可交互的经营看板",
        "Power BI 界面与流程|Power Query 清洗数据|数据建模|DAX 基础|DAX 时间智能|可视化设计"
        "|发布与分享",
    ),
    _service(
        "demo-data-analyst-career", "data-analysis", "shujupai", LIVE, "6980",
        "数据分析师就业班（16 周）",
        "Excel、SQL、Python、业务分析全覆盖，含简历修改与模拟面试",
        "数据分析,就业,SQL,Python",
        "掌握数据分析岗位要求的全部技能|完成 5 个可写进简历的项目|获得简历修改与 2 次模拟面试",
        "数据分析岗位全景|Excel 进阶|SQL 实战|Python 数据处理|统计学基础|指标体系搭建"
        "|A/B 测试|业务分析方法|项目实战|简历与面试",
    ),
    _service(
        "demo-ml-intro", "data-analysis", "shujupai", RECORDED, "899",
        "机器学习入门：用 scikit-learn 解决业务问题",
        "不推公式也能学懂，用 6 个业务案例掌握常用模型",
        "机器学习,scikit-learn,Python",
        "理解监督学习与无监督学习|会用 scikit-learn 训练和评估模型|知道模型在业务中如何落地",
        "机器学习是什么|线性回归|逻辑回归|决策树与随机森林|聚类|模型评估|案例：用户流失预测",
    ),
    # -- 产品经理 --
    _service(
        "demo-pm-zero-to-one", "product", "qinghe", LIVE, "2999",
        "产品经理入门：从 0 到 1 做一个产品",
        "需求、原型、PRD、上线复盘全流程实战，导师逐份点评作业",
        "产品经理,需求分析,原型设计",
        "掌握需求分析与优先级排序|独立完成原型与 PRD|走完一次完整的产品上线流程",
        "产品经理的一天|用户研究|需求分析与优先级|信息架构|原型设计|PRD 写作|项目管理"
        "|数据指标|上线与复盘",
    ),
    _service(
        "demo-prd-writing", "product", "qinghe", RECORDED, "199",
        "PRD 写作与原型设计实操",
        "拿来就能用的 PRD 模板 + Axure 原型实操，新人快速上手",
        "PRD,Axure,产品文档",
        "写出开发看得懂的 PRD|用 Axure 做出可交互原型|学会需求评审的沟通技巧",
        "PRD 的结构|业务流程图|页面与交互说明|Axure 基础|交互原型|需求评审",
    ),
    _service(
        "demo-pm-interview", "product", "qinghe", ONE_TO_ONE, "599",
        "产品经理求职 1 对 1 模拟面试",
        "大厂产品总监模拟真实面试，逐题复盘并给出改进建议",
        "产品经理,面试,求职",
        "熟悉产品岗位面试的常见问题|讲清楚自己的项目经历|拿到一份面试改进清单",
        "简历与目标岗位沟通|60 分钟模拟面试|逐题复盘|书面改进建议",
    ),
    _service(
        "demo-growth-product", "product", "qinghe", LIVE, "1899",
        "增长产品方法论：指标、实验与复盘",
        "搭建增长模型，用实验驱动决策，适合有 1 年以上经验的产品经理",
        "增长,AB测试,数据驱动",
        "搭建业务的北极星指标|设计并解读 A/B 实验|形成增长复盘的固定方法",
        "增长的本质|北极星指标|用户生命周期|A/B 实验设计|实验结果解读|增长复盘",
    ),
    # -- 设计 --
    _service(
        "demo-figma-ui", "design", "qinghe", RECORDED, "399",
        "Figma UI 设计从入门到作品集",
        "组件、自动布局与设计系统一步步学，结课产出一套完整 App 设计",
        "Figma,UI设计,作品集",
        "熟练使用 Figma 组件与自动布局|搭建一套小型设计系统|完成一个可放进作品集的 App 项目",
        "Figma 界面与基础操作|图层、布尔与蒙版|自动布局|组件与变体|颜色与文字样式"
        "|设计系统|App 首页设计|交互原型|作品集包装",
        is_featured=True,
    ),
    _service(
        "demo-ux-research", "design", "qinghe", LIVE, "1499",
        "用户体验研究实战",
        "访谈、可用性测试与问卷设计，学会用研究结论说服团队",
        "用户研究,UX,可用性测试",
        "独立策划一次用户访谈|组织可用性测试并输出报告|用研究结论推动设计决策",
        "为什么要做用户研究|研究计划|用户访谈|问卷设计|可用性测试|研究报告",
    ),
    _service(
        "demo-ps-basics", "design", "qinghe", RECORDED, "49.90",
        "Photoshop 基础 21 讲",
        "抠图、修图、海报排版，零基础也能做出像样的图",
        "Photoshop,修图,海报",
        "掌握图层、蒙版和选区|完成人像修图与抠图|做出一张完整的活动海报",
        "界面与基础操作|选区与抠图|图层与蒙版|调色基础|人像修图|文字与排版|活动海报实战",
    ),
    _service(
        "demo-portfolio-review", "design", "qinghe", ONE_TO_ONE, "699",
        "设计作品集 1 对 1 点评",
        "资深设计师逐页点评作品集，帮你讲好每个项目的设计思考",
        "作品集,设计求职,点评",
        "明确作品集的叙事结构|找到每个项目的亮点与不足|拿到逐页修改建议",
        "提交作品集与目标岗位|逐页离线点评|60 分钟连麦讲解|修改后复查",
    ),
    _service(
        "demo-brand-workshop", "design", "qinghe", OFFLINE, "2800",
        "品牌视觉设计工作坊 · 杭州两日",
        "两天封闭工作坊，从品牌策略到标志与视觉规范，现场导师点评",
        "品牌设计,VI,工作坊",
        "理解品牌策略如何指导视觉|完成一套小型品牌的标志与辅助图形|学会整理视觉规范手册",
        "品牌策略与定位|标志设计|色彩与字体|辅助图形|视觉规范手册|成果展示与点评",
        city="杭州",
        days=2,
    ),
    # -- 摄影 --
    _service(
        "demo-phone-photo", "photography", "lixue", RECORDED, "69",
        "手机摄影 15 讲：随手拍出高级感",
        "构图、用光、修图全在手机上完成，旅行和日常都用得上",
        "手机摄影,构图,修图",
        "掌握 8 种常用构图方法|学会利用自然光拍人像|用手机 App 完成调色",
        "手机相机设置|构图基础|三分法与引导线|自然光人像|美食与静物|旅行风光|手机修图",
        is_featured=True,
    ),
    _service(
        "demo-camera-basics", "photography", "lixue", LIVE, "799",
        "微单相机入门：光圈、快门与构图",
        "告别自动挡，6 次直播课带你真正用好手里的相机",
        "微单,相机入门,曝光",
        "理解光圈、快门、感光度的关系|熟练使用 M 挡拍摄|每周完成一组拍摄作业并获得点评",
        "认识你的相机|曝光三要素|对焦与测光|构图|白平衡与色彩|作业点评",
    ),
    _service(
        "demo-portrait-lighting", "photography", "lixue", OFFLINE, "1680",
        "人像摄影布光实拍课 · 北京",
        "影棚实拍，从单灯到三灯布光，配专业模特",
        "人像摄影,布光,影棚",
        "掌握经典的单灯与双灯布光|学会与模特沟通引导姿态|带走一组完整的人像作品",
        "灯具与配件|单灯布光|双灯布光|三灯布光|模特引导|作品点评",
        city="北京",
        days=1,
    ),
    _service(
        "demo-lightroom", "photography", "lixue", RECORDED, "299",
        "Lightroom 调色与后期精修",
        "建立自己的调色风格，批量处理旅行照片也不累",
        "Lightroom,调色,后期",
        "理解直方图与曲线|做出自己的调色预设|掌握局部调整与人像精修",
        "照片管理|基础面板|曲线与 HSL|局部调整|人像精修|预设与批量处理",
    ),
    _service(
        "demo-street-walk", "photography", "lixue", OFFLINE, "399",
        "上海街头摄影漫步 · 周末小班",
        "老师带队漫步武康路和愚园路，现场指导街拍观察与构图",
        "街头摄影,扫街,上海",
        "学会在街头发现画面|掌握抓拍的时机与距离|获得当天作品的现场点评",
        "集合与器材检查|武康路街拍|愚园路街拍|咖啡馆作品点评",
        city="上海",
        days=1,
        packages=(PackageSpec("周末小班席位", "399", "499", capacity=12, reserved=9),),
    ),
    # -- 书法 --
    _service(
        "demo-hard-pen", "calligraphy", "moxiang", RECORDED, "99",
        "硬笔楷书 21 天练字营",
        "每天 15 分钟，从笔画到结构，21 天写出一手工整好字",
        "硬笔书法,楷书,练字",
        "写好 32 个基本笔画|掌握常见偏旁与结构规律|能工整地书写一段文字",
        "执笔与坐姿|横竖撇捺|点与折|偏旁部首（一）|偏旁部首（二）|结构规律|章法与作品",
    ),
    _service(
        "demo-brush-kaishu", "calligraphy", "moxiang", LIVE, "1280",
        "毛笔楷书入门：从《九成宫》开始",
        "临习欧阳询《九成宫醴泉铭》，打好毛笔书法的基本功",
        "毛笔书法,楷书,九成宫",
        "掌握毛笔的执笔与运笔|临写《九成宫》常见字 100 个|完成一幅小品作品",
        "笔墨纸砚的选择|执笔与运笔|基本笔画|字的结构|集字临写|作品创作",
    ),
    _service(
        "demo-kids-calligraphy", "calligraphy", "moxiang", LIVE, "1980",
        "少儿书法启蒙班（7–12 岁）",
        "小班直播，老师逐个点评作业，培养孩子的专注力与书写习惯",
        "少儿书法,启蒙,练字",
        "养成正确的坐姿与执笔习惯|写好常用字的基本结构|每周完成作业并获得点评",
        "认识汉字之美|坐姿与执笔|基本笔画|独体字|左右结构|上下结构|作品展示",
    ),
    _service(
        "demo-calligraphy-salon", "calligraphy", "moxiang", OFFLINE, "3600",
        "书法雅集 · 北京胡同周末班",
        "在胡同四合院里临帖品茶，连续 8 个周末的线下书法小班",
        "书法,线下小班,北京",
        "系统临习一本经典碑帖|在老师面前手把手纠正笔法|结课时完成一幅装裱作品",
        "开班雅集|楷书笔法|行书笔法|临帖与读帖|章法布局|作品装裱与展示",
        city="北京",
        days=56,
    ),
    # -- 乐器 --
    _service(
        "demo-guitar-30d", "music", "zhiyin", RECORDED, "199",
        "民谣吉他 30 天自弹自唱",
        "从认识吉他到弹唱完整歌曲，30 天学会 5 首流行民谣",
        "吉他,民谣,弹唱",
        "掌握 C、G、Am、F 等常用和弦|学会 3 种常用节奏型|完整弹唱 5 首歌曲",
        "认识吉他与调音|右手节奏|常用和弦|和弦转换|扫弦与分解|弹唱《成都》|弹唱《平凡之路》",
    ),
    _service(
        "demo-adult-piano", "music", "zhiyin", LIVE, "1599",
        "成人钢琴零基础入门",
        "不用考级，只为弹好喜欢的曲子，12 周完成 6 首流行钢琴曲",
        "钢琴,成人,零基础",
        "看懂五线谱与简谱|双手配合弹奏简单伴奏|完整演奏 6 首流行曲",
        "认识键盘与坐姿|五线谱基础|右手旋律|左手伴奏|双手配合|踏板|曲目：《小星星变奏》"
        "|曲目：《卡农》简易版",
    ),
    _service(
        "demo-ukulele", "music", "zhiyin", RECORDED, "59",
        "尤克里里 10 节速成课",
        "最容易上手的乐器，10 节课就能弹唱你喜欢的歌",
        "尤克里里,弹唱,入门",
        "掌握 8 个常用和弦|学会 2 种扫弦节奏|弹唱 3 首歌曲",
        "认识尤克里里|调音与持琴|和弦 C、Am、F、G|扫弦节奏|弹唱练习",
    ),
    _service(
        "demo-piano-practice", "music", "zhiyin", ONE_TO_ONE, "360",
        "钢琴 1 对 1 线上陪练",
        "专业老师线上陪练，纠正指法与节奏，练琴不再三天打鱼",
        "钢琴,陪练,1对1",
        "按计划坚持每周练琴|及时纠正指法与节奏问题|稳步推进曲目进度",
        "水平评估|制定练琴计划|每周线上陪练|月度演奏展示",
    ),
    _service(
        "demo-guzheng", "music", "zhiyin", OFFLINE, "2400",
        "古筝入门小班 · 深圳福田",
        "6 人小班，琴房提供古筝，10 次课学会《渔舟唱晚》片段",
        "古筝,民乐,线下小班",
        "掌握古筝的基本指法|看懂简谱与古筝谱|演奏《渔舟唱晚》片段",
        "认识古筝|右手基本指法|左手按滑揉颤|简谱与节奏|练习曲|《渔舟唱晚》片段",
        city="深圳",
        days=70,
    ),
    # -- 考研 --
    _service(
        "demo-kaoyan-english", "postgraduate", "qiming", LIVE, "2680",
        "考研英语一全程班",
        "词汇、长难句、阅读、写作全程覆盖，真题精讲 + 班主任督学",
        "考研英语,英语一,真题",
        "掌握 5500 考研核心词|读懂历年真题全部长难句|形成稳定的阅读解题方法|背熟大小作文模板",
        "考研英语备考规划|核心词汇|长难句拆解|阅读：细节题|阅读：推理题|阅读：主旨题"
        "|完形与新题型|翻译|小作文|大作文|考前冲刺",
        is_featured=True,
    ),
    _service(
        "demo-kaoyan-math", "postgraduate", "qiming", LIVE, "3980",
        "考研数学一：基础到强化",
        "高数、线代、概率三科同步推进，配套讲义和每周测验",
        "考研数学,高数,线代",
        "梳理数学一全部考点|掌握常考题型的解题套路|每周测验查漏补缺",
        "函数、极限与连续|一元微分学|一元积分学|多元微分学|重积分与曲线积分|级数"
        "|行列式与矩阵|向量与线性方程组|随机变量|数理统计",
    ),
    _service(
        "demo-kaoyan-politics", "postgraduate", "qiming", RECORDED, "398",
        "考研政治核心考点精讲",
        "马原、毛中特、史纲、思修重点一网打尽，配套选择题 1000 道",
        "考研政治,选择题,核心考点",
        "理清政治各科的知识框架|掌握选择题的解题技巧|背熟主观题答题要点",
        "马原：哲学|马原：政治经济学|毛中特|史纲|思修与法基|时政与主观题",
    ),
    _service(
        "demo-kaoyan-interview", "postgraduate", "qiming", ONE_TO_ONE, "1200",
        "考研复试 1 对 1 模拟面试",
        "按目标院校流程模拟复试，覆盖英语口语与专业课问答",
        "考研复试,面试,英语口语",
        "准备好中英文自我介绍|熟悉目标院校的复试流程|针对薄弱环节重点提升",
        "目标院校与专业分析|自我介绍打磨|英语口语问答|专业课问答|综合模拟",
    ),
    _service(
        "demo-kaoyan-vip", "postgraduate", "qiming", LIVE, "19800",
        "考研全科 VIP 全程陪跑",
        "公共课 + 专业课全科辅导，专属规划师一对一督学直到上岸",
        "考研,VIP,全程督学",
        "拿到个性化的全年备考规划|公共课和专业课全科系统辅导|专属规划师每周督学与答疑",
        "择校择专业规划|公共课全程班|专业课 1 对 1|每周督学|阶段测评|复试辅导",
        packages=(PackageSpec("全程陪跑", "19800", "23800", days=365, capacity=30, reserved=22),),
    ),
    # -- 公务员 --
    _service(
        "demo-civil-xingce", "civil-service", "qiming", LIVE, "1980",
        "公务员行测系统班",
        "言语、数量、判断、资料、常识五大模块，方法 + 刷题双管齐下",
        "公务员,行测,国考",
        "掌握五大模块的解题方法|把做题速度提高 30%|完成 3 套全真模考",
        "行测考情分析|言语理解|数量关系|判断推理：图形|判断推理：逻辑|资料分析|常识判断|全真模考",
    ),
    _service(
        "demo-civil-shenlun", "civil-service", "qiming", LIVE, "1680",
        "申论写作 30 天提分",
        "归纳概括、综合分析、大作文逐题型突破，每周一篇精批",
        "公务员,申论,写作",
        "掌握申论各题型的答题框架|学会从材料中快速提炼要点|写出结构完整的大作文",
        "申论考情与阅卷标准|归纳概括|综合分析|提出对策|贯彻执行|大作文立意|大作文结构",
    ),
    _service(
        "demo-civil-interview-camp", "civil-service", "qiming", OFFLINE, "8800",
        "公务员面试封闭集训 · 北京 5 天",
        "5 天 4 晚封闭集训，小组模拟 + 导师一对一点评",
        "公务员面试,结构化面试,集训",
        "熟悉结构化面试全部题型|在模拟中克服紧张|获得导师一对一点评",
        "面试考情与评分|综合分析题|组织计划题|人际关系题|应急应变题|全真模拟",
        city="北京",
        days=5,
    ),
    _service(
        "demo-civil-jobs", "civil-service", "qiming", RECORDED, "19.90",
        "国考省考岗位选择指南",
        "看懂职位表，找到竞争小、适合自己的岗位",
        "公务员,选岗,国考",
        "看懂职位表的每一个条件|学会评估岗位竞争程度|列出适合自己的 5 个目标岗位",
        "职位表怎么读|专业与学历条件|竞争比分析|选岗实操",
    ),
    # -- 教师资格 --
    _service(
        "demo-teacher-written", "teacher-cert", "qiming", RECORDED, "299",
        "教师资格证笔试全科精讲",
        "科目一、二、三全覆盖，考点精讲 + 历年真题",
        "教资,笔试,教师资格证",
        "掌握笔试全部高频考点|熟悉材料分析题的答题模板|完成 5 套历年真题",
        "考试介绍与备考规划|综合素质：职业理念|综合素质：文化素养|教育知识与能力"
        "|学科知识：语文|学科知识：数学|真题精讲",
    ),
    _service(
        "demo-teacher-interview", "teacher-cert", "qiming", LIVE, "1280",
        "教资面试试讲与结构化特训",
        "试讲、答辩、结构化全流程演练，老师逐个点评",
        "教资,面试,试讲",
        "掌握 10 分钟试讲的结构|从容应对结构化问题|完成 3 次全流程模拟",
        "面试流程与评分|结构化问答|教案撰写|试讲导入|试讲新授|答辩|全流程模拟",
    ),
    _service(
        "demo-teacher-mock", "teacher-cert", "qiming", ONE_TO_ONE, "399",
        "教资面试 1 对 1 模拟试讲",
        "按你的学段和学科出题，全真模拟并逐项点评",
        "教资,模拟试讲,1对1",
        "熟悉真实面试的节奏|找到试讲中的失分点|拿到针对性的改进建议",
        "学段学科确认|抽题备课|模拟试讲与答辩|逐项点评",
    ),
    _service(
        "demo-putonghua", "teacher-cert", "qiming", RECORDED, "149",
        "普通话二级甲等速通",
        "声母韵母纠音、朗读技巧和命题说话，考前 4 周冲刺二甲",
        "普通话,二甲,教资",
        "纠正平翘舌与前后鼻音|掌握 60 篇朗读作品的要点|准备好命题说话的万能素材",
        "测试介绍|声母纠音|韵母纠音|声调与变调|朗读技巧|命题说话",
    ),
    # -- 职业规划 --
    _service(
        "demo-career-consult", "career-planning", "qinghe", ONE_TO_ONE, "599",
        "职业规划 1 对 1 咨询（60 分钟）",
        "资深规划师帮你梳理优势、明确方向，给出未来一年的行动计划",
        "职业规划,职业咨询,转行",
        "看清自己的优势与兴趣|明确下一步的职业方向|拿到一份可执行的一年行动计划",
        "咨询前问卷与测评|60 分钟深度咨询|书面咨询报告|一个月后回访",
        is_featured=True,
    ),
    _service(
        "demo-resume-review", "career-planning", "qinghe", ONE_TO_ONE, "199",
        "简历精修 + 面试指导",
        "HR 视角逐条修改简历，附赠 30 分钟面试指导",
        "简历,面试,求职",
        "写出突出成果的简历|准备好高频面试问题的回答|了解 HR 筛选简历的标准",
        "提交简历与目标岗位|HR 视角诊断|逐条修改|30 分钟面试指导",
    ),
    _service(
        "demo-career-switch", "career-planning", "qinghe", LIVE, "1299",
        "30+ 转行指南：找到第二曲线",
        "盘点可迁移能力，评估目标行业，稳妥地完成转行",
        "转行,职业发展,中年职场",
        "盘点自己的可迁移能力|评估目标行业的机会与门槛|制定 6 个月的转行计划",
        "为什么要转行|能力盘点|行业研究|低成本试错|求职策略|转行计划",
    ),
    _service(
        "demo-new-manager", "career-planning", "qinghe", LIVE, "2599",
        "新任经理的第一年：带团队实战",
        "目标管理、一对一沟通、绩效反馈，帮新经理少走弯路",
        "管理,领导力,团队",
        "完成从骨干到管理者的角色转变|掌握目标拆解与一对一沟通|学会给出有效的绩效反馈",
        "角色转变|目标管理|一对一沟通|授权与辅导|绩效反馈|团队氛围",
    ),
    # -- 心理咨询 --
    _service(
        "demo-counselling-session", "counselling", "linyi", ONE_TO_ONE, "500",
        "个人心理咨询（线上 50 分钟）",
        "在安全、保密的环境里，和专业咨询师聊聊你的困扰",
        "心理咨询,情绪,线上咨询",
        "在安全的关系中说出自己的困扰|更好地理解自己的情绪与模式|找到可以尝试的改变",
        "预约与初始访谈|确定咨询目标|每次 50 分钟咨询|阶段回顾",
    ),
    _service(
        "demo-stress-relief", "counselling", "linyi", RECORDED, "99",
        "压力管理与情绪调节 12 讲",
        "心理学方法 + 日常练习，学会与压力和焦虑相处",
        "压力管理,情绪调节,焦虑",
        "识别自己的压力信号|掌握 5 种情绪调节方法|建立日常的自我照顾习惯",
        "压力从哪里来|身体的压力信号|认知重评|呼吸与放松|情绪日记|自我关怀",
    ),
    _service(
        "demo-mindfulness", "counselling", "linyi", LIVE, "699",
        "正念减压 8 周练习营",
        "每周一次带领练习，每天 20 分钟打卡，体验更平静的生活",
        "正念,冥想,减压",
        "建立每天 20 分钟的正念练习习惯|学会身体扫描与正念呼吸|以更平和的方式面对压力",
        "什么是正念|身体扫描|正念呼吸|正念行走|与困难情绪相处|日常生活中的正念|总结与延续",
    ),
    _service(
        "demo-parent-teen", "counselling", "linyi", ONE_TO_ONE, "800",
        "亲子沟通咨询：和青春期孩子好好说话",
        "帮助家长理解青春期孩子，重建有效沟通",
        "亲子关系,青春期,家庭",
        "理解青春期孩子的心理需要|学会倾听与非暴力沟通|改善家庭中的冲突模式",
        "家长初始访谈|亲子关系评估|沟通方法练习|阶段回顾",
    ),
    # -- 留学咨询 --
    _service(
        "demo-uk-hk-masters", "study-abroad", "yuanhang", ONE_TO_ONE, "1999",
        "英港硕士申请规划咨询",
        "根据背景评估可申请的院校与专业，制定完整的申请时间线",
        "留学,英国,香港,硕士申请",
        "拿到一份院校选校清单|明确语言与背景提升的计划|掌握完整的申请时间线",
        "背景评估|选校与专业分析|申请时间线|材料清单与答疑",
    ),
    _service(
        "demo-us-grad-full", "study-abroad", "yuanhang", ONE_TO_ONE, "18800",
        "美国研究生全程申请服务",
        "从选校、文书到网申与签证，资深顾问全程陪伴",
        "留学,美国,研究生申请",
        "制定冲刺、匹配、保底三档选校方案|完成全部文书与网申|顺利拿到签证",
        "背景评估与定位|选校方案|文书头脑风暴|文书修改|网申与推荐信|面试辅导|签证与行前",
        is_featured=True,
        packages=(
            PackageSpec("全程申请 · 8 所院校", "18800", "21800"),
            PackageSpec("全程申请 · 12 所院校", "19800", "24800"),
        ),
    ),
    _service(
        "demo-ps-writing", "study-abroad", "yuanhang", ONE_TO_ONE, "2999",
        "文书精修：PS / CV / 推荐信",
        "母语导师与资深顾问双人修改，讲好你的申请故事",
        "留学文书,PS,CV",
        "找到个人陈述的核心故事|写出突出成果的英文简历|准备好两封推荐信",
        "素材问卷与头脑风暴|初稿撰写|两轮修改|母语润色",
    ),
    _service(
        "demo-abroad-seminar", "study-abroad", "yuanhang", OFFLINE, "99",
        "留学申请说明会 · 上海站",
        "英美港新申请趋势解读，现场一对一答疑",
        "留学,说明会,上海",
        "了解今年各地区的申请趋势|听往届学员分享经验|现场获得一对一答疑",
        "签到与资料领取|申请趋势解读|往届学员分享|现场答疑",
        city="上海",
        days=1,
        packages=(PackageSpec("说明会门票", "99", capacity=80, reserved=64),),
    ),
    # -- the demo provider's listings that are not on sale yet --
    _service(
        "demo-draft-little-prince", "english", "wang", RECORDED, "159",
        "英文原著精读：《小王子》",
        "逐章精读英文原版《小王子》，在故事里积累地道表达",
        "英文原著,阅读,小王子",
        "读完英文原版《小王子》|积累 300 个文学表达|写出一篇英文读后感",
        "作者与背景|第一至五章|第六至十五章|第十六至二十七章|读后感写作",
        status=Service.Status.DRAFT,
    ),
    _service(
        "demo-pending-writing", "english", "wang", LIVE, "1499",
        "英文商务写作进阶",
        "报告、提案与英文简历，写出让老外也点赞的商务文书",
        "商务写作,英文写作,职场",
        "写出逻辑清晰的英文报告|掌握提案的说服结构|打磨一份英文简历",
        "商务写作原则|报告写作|提案写作|英文简历|写作工作坊",
        status=Service.Status.PENDING,
    ),
    _service(
        "demo-rejected-ielts-pass", "ielts-toefl", "wang", LIVE, "4999",
        "雅思保过班（不过退费）",
        "签约保过，考不到目标分数全额退费",
        "雅思,保过,冲刺",
        "达到目标分数|全科系统提升|考前冲刺",
        "诊断测试|听力|阅读|写作|口语|模考",
        status=Service.Status.REJECTED,
        rejection_reason=(
            "标题中的“保过”属于绝对化承诺，不符合平台规则。请删除“保过”“包过”等表述，"
            "并在详情中写明退费的具体条件后重新提交。"
        ),
    ),
)
# fmt: on

ADDONS = {
    "qa": ("1对1答疑", "课程期间任选一次 30 分钟连麦答疑", "200"),
    "notes": ("纸质讲义包邮", "全彩印刷讲义，下单后 3 个工作日内发货", "49"),
    "certificate": ("结课证书", "完成全部课程与作业后颁发，可在线查验编号", "99"),
    "marking": ("作业精批", "老师逐份批改作业并给出书面反馈", "299"),
    "extension": ("有效期延长一年", "回放与课件的观看期在原基础上延长 365 天", "69"),
    "kit": ("学习资料包", "课件、模板与练习素材打包下载", "29"),
    "report": ("书面咨询报告", "咨询后 3 天内提供一份书面总结与行动清单", "150"),
}
ADDONS_BY_MODE = {
    RECORDED: ("qa", "notes", "certificate", "extension", "kit"),
    LIVE: ("qa", "notes", "certificate", "marking", "kit"),
    ONE_TO_ONE: ("report", "kit"),
    OFFLINE: ("notes", "certificate"),
}
MODE_LABEL = {LIVE: "直播课", RECORDED: "录播课", ONE_TO_ONE: "1 对 1", OFFLINE: "线下课"}
MODE_LABEL_ASCII = {LIVE: "LIVE", RECORDED: "VIDEO", ONE_TO_ONE: "1-ON-1", OFFLINE: "IN PERSON"}

# ---- reviews ---------------------------------------------------------------------------------

# (text, the modes it suits; empty for any). 1v1 = one_to_one.
COURSE, CLASS = "live recorded offline", "live offline"
REVIEW_TEXTS = {
    "good": (
        ("老师讲得很细，连我这种零基础的都能跟上。", ""),
        ("性价比很高，内容一点不水，比我之前报的线下班还扎实。", ""),
        ("第二次报这家的了，质量一如既往地稳定。", ""),
        ("案例都是真实场景，不是那种照着书念的课。", COURSE),
        ("老师很有耐心，同一个问题问了两遍也没有不耐烦。", ""),
        ("老师经验很丰富，分享了很多书本上学不到的东西。", ""),
        ("原本只是抱着试试看的心态，结果坚持下来了，已经推荐给同事。", COURSE),
        ("课程节奏刚好，每节课都有练习，学完马上能用到工作里。", COURSE),
        ("讲义整理得很清楚，复习的时候特别方便。", COURSE),
        ("结课的时候做出了自己的作品，很有成就感！", COURSE),
        ("互动很多，老师会点名让我们开口，逼着自己进步了。", "live"),
        ("助教回复特别及时，晚上十一点提问都有人答，很感动。", "live recorded"),
        ("群里氛围很好，大家互相督促打卡，不容易半途而废。", "live recorded"),
        ("上课时间安排比较灵活，很适合我们上班族。", "live one_to_one"),
        ("可以倍速看，通勤路上就能学一节，很适合碎片时间。", "recorded"),
        ("之前老师先看了我的材料，给的建议很具体，不是泛泛而谈。", "one_to_one"),
        ("聊完思路清晰了很多，知道接下来三个月该做什么了。", "one_to_one"),
        ("预约很方便，老师准时上线，一个小时过得很快。", "one_to_one"),
        ("小班人数刚好，老师能照顾到每个人，现场氛围很好。", "offline"),
    ),
    "fair": (
        ("整体不错，如果能多一些练习和案例就更好了。", ""),
        ("中规中矩吧，和预期差不多，没有特别惊喜。", ""),
        ("价格稍微有点贵，如果有优惠会更划算。", ""),
        ("内容扎实，就是有几节课信息量太大，需要多看几遍回放。", "live recorded"),
        ("前几节偏基础，有一定经验的同学可以跳过。", COURSE),
        ("老师讲得不错，就是直播偶尔会卡，希望能优化一下。", "live"),
        ("课程本身挺好，但答疑回复有点慢，要等一两天。", "live recorded"),
        ("建议挺有用，但时间有点短，很多问题没来得及展开。", "one_to_one"),
        ("场地有点难找，内容本身还可以。", "offline"),
    ),
    "poor": (
        ("和介绍的不太一样，实际内容比较浅，有基础的同学不太推荐。", ""),
        ("讲得太快了，零基础真的跟不上。", COURSE),
        ("上课时间改了两次，通知得也比较晚，体验不太好。", CLASS),
        ("录播画质一般，声音也偏小，希望能重新录制。", "recorded"),
        ("预约改了两次时间，建议也比较笼统，有点失望。", "one_to_one"),
    ),
}
REPLY_TEXTS = {
    "good": (
        "谢谢你的认可！继续加油，有问题随时找我们。",
        "感谢支持，期待下次再见～",
        "很高兴对你有帮助，祝一切顺利！",
    ),
    "fair": (
        "感谢反馈！我们会补充更多练习和讲解，欢迎继续关注。",
        "收到建议，已经转给老师，下一期会调整。",
    ),
    "poor": (
        "非常抱歉给你带来不好的体验，客服会尽快联系你了解具体情况。",
        "谢谢你的直言，我们会认真改进，也欢迎私信告诉我们更多细节。",
    ),
}
STAR_WEIGHTS = ((5, 56), (4, 28), (3, 11), (2, 3), (1, 2))
REVIEW_COUNT_WEIGHTS = ((0, 1), (1, 2), (2, 3), (3, 3), (4, 3), (5, 2), (6, 2))


def _pick_weighted(rng: random.Random, weighted: Iterable[tuple]):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _tone(stars: int) -> str:
    return "good" if stars >= 4 else "fair" if stars == 3 else "poor"


# ---- drawing: covers and portraits ---------------------------------------------------------

COVER_SIZE = (1200, 675)
CJK_FONT_FILES = (
    # Debian/Ubuntu fonts-noto-cjk, Fedora/Arch google-noto-cjk, WenQuanYi, macOS.
    "/usr/share/fonts/opentype/noto/NotoSansCJK-{weight}.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-{weight}.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-{weight}.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)


@functools.cache
def _cjk_font_file(weight: str) -> tuple[str, int] | None:
    """(path, index in the collection) of a font with Simplified Chinese glyphs, or None."""
    candidates = [pattern.format(weight=weight) for pattern in CJK_FONT_FILES]
    candidates += _fontconfig_chinese_files()
    for path in dict.fromkeys(candidates):
        if not Path(path).is_file():
            continue
        index = 0
        for candidate in range(8):  # a .ttc holds JP, KR, SC, TC…: prefer the SC face
            try:
                name = " ".join(ImageFont.truetype(path, 12, index=candidate).getname())
            except OSError:
                break
            if "SC" in name.split() or "CN" in name.split():
                index = candidate
                break
        return path, index
    return None


def _fontconfig_chinese_files() -> list[str]:
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return []
    try:
        listing = subprocess.run(  # noqa: S603 (a fixed command, no user input)
            [fc_list, ":lang=zh", "file"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    files = sorted(line.split(":")[0].strip() for line in listing.splitlines() if line.strip())
    return sorted(files, key=lambda path: ("Sans" not in path, "Serif" in path))


@functools.cache
def _font(size: int, *, bold: bool) -> tuple[ImageFont.FreeTypeFont, bool]:
    """(font, has Chinese glyphs): a CJK font when one is installed, else Pillow's own."""
    found = _cjk_font_file("Bold" if bold else "Regular") or _cjk_font_file("Regular")
    if found:
        path, index = found
        return ImageFont.truetype(path, size, index=index), True
    return ImageFont.load_default(size=size), False


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))


def _mix(colour: tuple[int, ...], other: tuple[int, ...], amount: float) -> tuple[int, ...]:
    return tuple(round(a + (b - a) * amount) for a, b in zip(colour, other, strict=True))


@functools.cache
def _diagonal_ramp(size: tuple[int, int], *, flipped: bool) -> Image.Image:
    ramp = Image.linear_gradient("L")
    across = ramp.transpose(Image.Transpose.ROTATE_90).resize(size)
    mask = ImageChops.add(ramp.resize(size), across, scale=2)
    return mask.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if flipped else mask


def _colour_field(colour: str, size: tuple[int, int], rng: random.Random) -> Image.Image:
    """A diagonal two-tone gradient with a few translucent circles, different per seed."""
    base = _rgb(colour)
    dark = _mix(base, (15, 23, 42), 0.45)
    light = _mix(base, (255, 255, 255), 0.12)
    mask = _diagonal_ramp(size, flipped=rng.random() < 0.5)
    image = Image.composite(Image.new("RGB", size, light), Image.new("RGB", size, dark), mask)
    overlay = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    width, height = size
    for _ in range(rng.randint(3, 5)):
        radius = rng.randint(height // 6, height // 2)
        x, y = rng.randint(width // 2, width + radius // 2), rng.randint(-radius, height)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(255, 255, 255, 22))
    for _ in range(2):
        radius = rng.randint(40, 110)
        x, y = rng.randint(width // 2, width), rng.randint(0, height)
        draw.ellipse(
            (x - radius, y - radius, x + radius, y + radius), outline=(255, 255, 255, 60), width=4
        )
    return Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")


def _tokens(text: str) -> Iterator[str]:
    """Break points for wrapping: every CJK character alone, Latin words and numbers whole."""
    word = ""
    for char in text:
        if char.isascii() and not char.isspace():
            word += char
            continue
        if word:
            yield word
            word = ""
        yield char
    if word:
        yield word


OPENING_PUNCTUATION = "（《“"
CLOSING_PUNCTUATION = "，。、：；！？）》”"
SOFT_BREAK_BEFORE = "与和及到从用"


def _two_lines(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str] | None:
    """``text`` in one line, or split into two lines of similar width, preferring a break
    after punctuation or at a space; None if it does not fit in two lines."""
    if font.getlength(text) <= width:
        return [text]
    tokens = list(_tokens(text))
    best: tuple[float, list[str]] | None = None
    for cut in range(1, len(tokens)):
        first = "".join(tokens[:cut]).rstrip(" ·")
        second = "".join(tokens[cut:]).lstrip(" ·")
        if not first or not second:
            continue
        if second[0] in CLOSING_PUNCTUATION or first[-1] in OPENING_PUNCTUATION:
            continue
        widths = font.getlength(first), font.getlength(second)
        if max(widths) > width:
            continue
        score = abs(widths[0] - widths[1])
        around = "".join(tokens[cut - 2 : cut + 2])
        if first[-1] in "：，" or second[0] in OPENING_PUNCTUATION or "·" in around:
            score -= width / 2
        elif second[0] in SOFT_BREAK_BEFORE:
            score -= width / 5
        if best is None or score < best[0]:
            best = (score, [first, second])
    return best[1] if best else None


def _truncate(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _fit_title(text: str, width: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """One line if the title fits at a large size, else the largest size that fits in two
    lines; the smallest size, cut short, if none does."""
    for size in (96, 90, 84, 78):
        font, _ = _font(size, bold=True)
        if font.getlength(text) <= width:
            return font, [text]
    for size in range(96, 55, -6):
        font, _ = _font(size, bold=True)
        lines = _two_lines(text, font, width)
        if lines:
            return font, lines
    half = len(text) // 2
    return font, [_truncate(text[:half], font, width), _truncate(text[half:], font, width)]


def draw_cover(
    *, title: str, category: CategorySpec, parent: CategorySpec, mode: str, seed: str
) -> bytes:
    """A 1200×675 JPEG: the category's colour, the title in two lines, the category small.

    Without a CJK font installed only Latin text can be drawn, so the cover then shows the
    category's English label instead of the title rather than boxes."""
    rng = _rng(f"cover:{seed}")
    image = _colour_field(category.colour, COVER_SIZE, rng)
    draw = ImageDraw.Draw(image)
    white, soft = (255, 255, 255), (255, 255, 255, 200)
    margin = 80
    small, has_cjk = _font(30, bold=False)
    chip = f"{parent.name} · {category.name}" if has_cjk else category.label.upper()
    chip_width = small.getlength(chip)
    draw.rounded_rectangle(
        (margin, margin, margin + chip_width + 40, margin + 54),
        radius=27,
        fill=_mix(_rgb(category.colour), (15, 23, 42), 0.55),
    )
    draw.text((margin + 20, margin + 27), chip, font=small, fill=white, anchor="lm")
    if has_cjk:
        font, lines = _fit_title(title, COVER_SIZE[0] - 2 * margin)
    else:
        font, lines = _font(88, bold=True)[0], [category.label]
    line_height = round(font.size * 1.25)
    top = (COVER_SIZE[1] - line_height * len(lines)) // 2 + 20
    for number, line in enumerate(lines):
        draw.text((margin, top + number * line_height), line, font=font, fill=white)
    # The mode sits top right: the site lays its own mode badge over the bottom left.
    label = MODE_LABEL[mode] if has_cjk else MODE_LABEL_ASCII[mode]
    draw.text((COVER_SIZE[0] - margin, margin + 27), label, font=small, fill=soft, anchor="rm")
    bottom = COVER_SIZE[1] - margin
    draw.text((COVER_SIZE[0] - margin, bottom), "KS Mall", font=small, fill=soft, anchor="rs")
    return _jpeg(image)


def draw_highlights(*, title: str, outcomes: Iterable[str], category: CategorySpec) -> bytes:
    """A second gallery image: what the learner takes away, as a checklist."""
    image = Image.new("RGB", COVER_SIZE, _mix(_rgb(category.colour), (255, 255, 255), 0.88))
    draw = ImageDraw.Draw(image)
    accent = _rgb(category.colour)
    heading, has_cjk = _font(56, bold=True)
    body, _ = _font(38, bold=False)
    draw.rectangle((0, 0, 24, COVER_SIZE[1]), fill=accent)
    if not has_cjk:
        draw.text((100, 300), category.label, font=heading, fill=accent)
        return _jpeg(image)
    draw.text((100, 90), "学完你将收获", font=heading, fill=accent)
    y = 200
    for outcome in list(outcomes)[:5]:
        draw.ellipse((100, y + 6, 136, y + 42), fill=accent)
        draw.line((109, y + 25, 116, y + 33, 128, y + 16), fill=(255, 255, 255), width=5)
        text = _truncate(outcome, body, COVER_SIZE[0] - 280)
        draw.text((160, y), text, font=body, fill=(30, 41, 59))
        y += 80
    small, _ = _font(28, bold=False)
    draw.text((100, COVER_SIZE[1] - 60), title, font=small, fill=(100, 116, 139), anchor="ls")
    return _jpeg(image)


def draw_portrait(name: str, colour: str) -> bytes:
    """A square avatar: the surname on a colour field, or a silhouette without a CJK font."""
    size = 400
    base = _rgb(colour)
    image = Image.new("RGB", (size, size), _mix(base, (255, 255, 255), 0.1))
    draw = ImageDraw.Draw(image)
    draw.ellipse((40, 40, 360, 360), fill=_mix(base, (15, 23, 42), 0.25))
    font, has_cjk = _font(170, bold=True)
    if has_cjk:
        draw.text((size // 2, size // 2), name[0], font=font, fill=(255, 255, 255), anchor="mm")
    else:
        light = _mix(base, (255, 255, 255), 0.7)
        draw.ellipse((145, 95, 255, 205), fill=light)
        draw.chord((95, 215, 305, 425), 180, 360, fill=light)
    return _jpeg(image)


def _jpeg(image: Image.Image) -> bytes:
    """A near-lossless JPEG: catalog.media re-encodes it anyway, and JPEG is the fastest
    format to write and read back."""
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95)
    return out.getvalue()


def _upload(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


# ---- loading the demo catalogue ------------------------------------------------------------


@dataclass
class LoadReport:
    categories: int = 0
    instructors: int = 0
    services: int = 0
    reviews: int = 0
    images: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)


def load_catalogue() -> LoadReport:
    """Create whatever part of the demo catalogue is missing. The demo accounts (providers
    in ``PROVIDERS``, learners in ``REVIEWER_EMAILS``) must exist: seed_demo makes them."""
    report = LoadReport()
    categories = _load_categories(report)
    providers = {
        spec.key: User.objects.select_related("provider_profile").get(email__iexact=spec.email)
        for spec in PROVIDERS
    }
    instructors = _load_instructors(providers, report)
    by_email = {user.email.lower(): user for user in User.objects.filter(email__in=REVIEWER_EMAILS)}
    reviewers = [by_email[email] for email in REVIEWER_EMAILS if email in by_email]
    existing = set(
        Service.objects.filter(slug__in=[spec.slug for spec in SERVICES]).values_list(
            "slug", flat=True
        )
    )
    now = timezone.now()
    for spec in SERVICES:
        if spec.slug in existing:
            report.skipped += 1
            continue
        _create_service(
            spec,
            category=categories[spec.category],
            provider=providers[spec.provider],
            instructors=instructors[spec.provider],
            reviewers=reviewers,
            now=now,
            report=report,
        )
        report.services += 1
    if not _font(12, bold=False)[1]:
        report.notes.append(
            "No CJK font found (e.g. apt-get install fonts-noto-cjk): covers show Latin labels."
        )
    return report


def _load_categories(report: LoadReport) -> dict[str, Category]:
    categories: dict[str, Category] = {}
    for position, spec in enumerate(CATEGORIES):
        values = {
            "name": spec.name,
            "icon": spec.icon,
            "position": position,
            "parent": categories[spec.parent] if spec.parent else None,
        }
        category = Category.objects.filter(slug=spec.slug).first()
        if category is None:
            category = Category.objects.create(slug=spec.slug, **values)
            report.categories += 1
        elif any(getattr(category, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(category, name, value)
            category.save()
        categories[spec.slug] = category
    return categories


def _load_instructors(
    providers: dict[str, User], report: LoadReport
) -> dict[str, list[tuple[Instructor, InstructorSpec]]]:
    result: dict[str, list[tuple[Instructor, InstructorSpec]]] = {}
    palette = [spec.colour for spec in CATEGORIES]
    for provider_spec in PROVIDERS:
        provider = providers[provider_spec.key]
        existing = {row.name: row for row in Instructor.objects.filter(provider=provider)}
        rows = []
        for spec in provider_spec.instructors:
            instructor = existing.get(spec.name)
            if instructor is None:
                instructor = Instructor(
                    provider=provider,
                    name=spec.name,
                    title=spec.title,
                    credentials=spec.credentials,
                    bio=spec.bio,
                )
                colour = _rng(f"portrait:{spec.name}").choice(palette)
                photo = portrait_file(_upload(draw_portrait(spec.name, colour), "portrait.jpg"))
                instructor.photo.save(photo.name, photo, save=False)
                instructor.save()
                report.instructors += 1
            rows.append((instructor, spec))
        result[provider_spec.key] = rows
    return result


def _create_service(
    spec: ServiceSpec,
    *,
    category: Category,
    provider: User,
    instructors: list[tuple[Instructor, InstructorSpec]],
    reviewers: list[User],
    now: datetime,
    report: LoadReport,
) -> Service:
    rng = _rng(spec.slug)
    category_spec = CATEGORY_BY_SLUG[spec.category]
    parent_spec = CATEGORY_BY_SLUG[category_spec.parent]
    is_published = spec.status == Service.Status.PUBLISHED
    published_at = now - timedelta(minutes=rng.randint(30, 90 * 24 * 60)) if is_published else None
    starts_on = (
        timezone.localdate(now) + timedelta(days=rng.randint(5, 45))
        if spec.mode in (LIVE, OFFLINE)
        else None
    )
    lesson_count = None if spec.mode == ONE_TO_ONE else len(spec.lessons)
    study_days = {
        RECORDED: 365,
        LIVE: -(-len(spec.lessons) // 2) * 7 + 7,  # two lessons a week, a week to catch up
        OFFLINE: spec.days,
        ONE_TO_ONE: spec.days,
    }[spec.mode]

    teaching = [row for row in instructors if spec.category in row[1].categories] or instructors
    chosen = rng.sample(teaching, k=min(len(teaching), rng.choice((1, 1, 2))))

    service = Service.objects.create(
        provider=provider,
        category=category,
        slug=spec.slug,
        title=spec.title,
        summary=spec.summary,
        description=_description(spec, chosen, starts_on=starts_on, study_days=study_days),
        outcomes="\n".join(spec.outcomes),
        tags=spec.tags,
        mode=spec.mode,
        city=spec.city,
        fulfilment=(
            Service.Fulfilment.SELF_PACED if spec.mode == RECORDED else Service.Fulfilment.SCHEDULED
        ),
        starts_on=starts_on,
        study_days=study_days,
        lesson_count=lesson_count,
        status=spec.status,
        rejection_reason=spec.rejection_reason,
        is_featured=spec.is_featured,
        published_at=published_at,
    )
    packages = [
        Package(
            service=service,
            position=position,
            name=row.name,
            price=Decimal(row.price),
            original_price=Decimal(row.original) if row.original else None,
            lessons=row.lessons,
            duration_days=row.days,
            capacity=row.capacity,
            reserved=row.reserved,
        )
        for position, row in enumerate(spec.packages or _package_specs(spec, rng))
    ]
    Package.objects.bulk_create(packages)
    addon_keys = ADDONS_BY_MODE[spec.mode]
    addon_keys = rng.sample(addon_keys, k=min(len(addon_keys), rng.choice((0, 1, 1, 2, 2, 3))))
    AddOn.objects.bulk_create(
        AddOn(
            service=service,
            position=position,
            name=ADDONS[key][0],
            description=ADDONS[key][1],
            price=Decimal(ADDONS[key][2]),
        )
        for position, key in enumerate(addon_keys)
    )
    SyllabusItem.objects.bulk_create(
        _syllabus(service, spec.lessons, spec.mode, rng, free=rng.choice((1, 2)))
    )
    service.instructors.set([instructor for instructor, _ in chosen])
    refresh_listing(service)

    add_gallery_image(
        service,
        _upload(
            draw_cover(
                title=spec.title,
                category=category_spec,
                parent=parent_spec,
                mode=spec.mode,
                seed=spec.slug,
            ),
            "cover.jpg",
        ),
        caption=spec.title,
    )
    report.images += 1
    if spec.is_featured:
        highlights = draw_highlights(
            title=spec.title, outcomes=spec.outcomes, category=category_spec
        )
        add_gallery_image(service, _upload(highlights, "highlights.jpg"), caption="课程亮点")
        report.images += 1

    if is_published:
        report.reviews += _add_reviews(service, packages, reviewers, rng, now=now)
        sales = _sales(rng, featured=spec.is_featured, age_days=(now - published_at).days)
        Service.objects.filter(pk=service.pk).update(
            sales_count=sales, view_count=sales * rng.randint(5, 14) + rng.randint(60, 900)
        )
    return service


MAX_PRICE = Decimal("19800")


def _shop_price(amount: Decimal) -> Decimal:
    """A price as shops write it: ¥29.90, ¥479, ¥1,899, ¥19,800."""
    one = Decimal("1")
    if amount < 100:
        value = amount.quantize(one, ROUND_HALF_UP) - Decimal("0.10")
    elif amount < 1000:
        value = (amount / 10).quantize(one, ROUND_HALF_UP) * 10 - 1
    elif amount < 10000:
        value = (amount / 100).quantize(one, ROUND_HALF_UP) * 100 - 1
    else:
        value = (amount / 100).quantize(one, ROUND_HALF_UP) * 100
    return value.quantize(Decimal("0.01"))


def _priced(base: Decimal, name: str, factor: str, original: str | None, **extra) -> PackageSpec:
    """A package at ``factor`` times the base price, struck through from ``original`` times."""
    price = base if factor == "1" else _shop_price(base * Decimal(factor))
    was = _shop_price(base * Decimal(original)) if original else None
    return PackageSpec(name, str(price), str(was) if was and was > price else None, **extra)


def _package_specs(spec: ServiceSpec, rng: random.Random) -> list[PackageSpec]:
    """Packages that suit the mode, priced from the service's base price, none above the
    catalogue's top price."""
    base, lessons = Decimal(spec.price), len(spec.lessons)
    if spec.mode == RECORDED:
        original = rng.choice(("1.4", "1.3", None))
        rows = [_priced(base, "标准版", "1", original, lessons=lessons, days=365)]
        if rng.random() < 0.45:
            rows.append(_priced(base, "精讲版 · 含答疑群", "1.6", "2", lessons=lessons, days=365))
    elif spec.mode == LIVE:
        capacity = rng.choice((None, None, 30, 50, 80))
        reserved = rng.randint(capacity // 3, capacity - 1) if capacity else 0
        original = rng.choice(("1.3", "1.25", None))
        rows = [
            _priced(
                base, "标准班", "1", original, lessons=lessons, capacity=capacity, reserved=reserved
            )
        ]
        if rng.random() < 0.6:
            rows.append(_priced(base, "进阶班", "1.5", "1.9", lessons=lessons + 4))
        if rng.random() < 0.35:
            reserved = rng.randint(1, 4)
            rows.append(
                _priced(
                    base, "1对1 私教", "3.5", None, lessons=lessons, capacity=5, reserved=reserved
                )
            )
    elif spec.mode == ONE_TO_ONE:
        unit = "咨询" if CATEGORY_BY_SLUG[spec.category].parent == "consulting" else "课"
        rows = [_priced(base, f"单次{unit}", "1", None, lessons=1)]
        if rng.random() < 0.7:
            rows.append(_priced(base, f"3 次{unit}套餐", "2.7", "3", lessons=3, days=90))
        if rng.random() < 0.4:
            rows.append(_priced(base, f"5 次{unit}套餐", "4.2", "5", lessons=5, days=180))
    else:
        capacity = rng.choice((12, 20, 30, 40))
        reserved = rng.randint(capacity // 2, capacity - 1)
        rows = [_priced(base, "标准席位", "1", None, capacity=capacity, reserved=reserved)]
        if rng.random() < 0.5:
            reserved = rng.randint(2, 5)
            rows.append(
                _priced(base, "VIP 席位 · 含课后点评", "1.6", None, capacity=6, reserved=reserved)
            )
    return [rows[0]] + [row for row in rows[1:] if Decimal(row.price) <= MAX_PRICE]


def _syllabus(
    service: Service, titles: Iterable[str], mode: str, rng: random.Random, *, free: int
) -> list[SyllabusItem]:
    lengths = {
        RECORDED: (15, 20, 25, 30, 40, 45),
        LIVE: (60, 90, 90, 120),
        ONE_TO_ONE: (30, 50, 60),
        OFFLINE: (90, 120, 180, 240),
    }[mode]
    return [
        SyllabusItem(
            service=service,
            position=position,
            title=title,
            minutes=rng.choice(lengths),
            is_free_preview=position < free and mode in (RECORDED, LIVE),
        )
        for position, title in enumerate(titles)
    ]


def _description(
    spec: ServiceSpec,
    chosen: list[tuple[Instructor, InstructorSpec]],
    *,
    starts_on,
    study_days: int | None,
) -> str:
    starts = f"{starts_on.month} 月 {starts_on.day} 日" if starts_on else ""
    how = {
        LIVE: (
            f"每周两次直播，共 {len(spec.lessons)} 节，{starts}开课。"
            "每次课后 2 小时内上传回放，错过直播也不用担心。"
        ),
        RECORDED: (
            f"共 {len(spec.lessons)} 节录播课，购买后立即开始学习，可倍速、可反复观看，"
            f"有效期 {study_days} 天。"
        ),
        ONE_TO_ONE: (
            "下单后老师会在 24 小时内联系你，确认需求并预约时间；通过腾讯会议进行，"
            "时间可以按你的安排调整。"
        ),
        OFFLINE: (
            f"线下小班授课，地点在{spec.city}，{starts}开课，共 {spec.days} 天；"
            "具体地址开课前 3 天以短信通知。"
        ),
    }[spec.mode]
    teachers = "\n".join(f"- **{spec.name}**，{spec.title}。{spec.bio}" for _, spec in chosen)
    outcomes = "\n".join(f"- {outcome}" for outcome in spec.outcomes)
    return (
        f"{spec.summary}。\n\n{AUDIENCE[spec.category]}\n\n"
        f"## 你将收获\n\n{outcomes}\n\n"
        f"## 上课方式\n\n{how}\n\n"
        f"## 关于老师\n\n{teachers}\n"
    )


def _add_reviews(
    service: Service,
    packages: list[Package],
    reviewers: list[User],
    rng: random.Random,
    *,
    now: datetime,
) -> int:
    count = min(_pick_weighted(rng, REVIEW_COUNT_WEIGHTS), len(reviewers))
    for author in rng.sample(reviewers, k=count):
        stars = _pick_weighted(rng, STAR_WEIGHTS)
        tone = _tone(stars)
        review = add_review(
            service,
            author=author,
            rating=stars,
            text=rng.choice(
                [text for text, modes in REVIEW_TEXTS[tone] if service.mode in modes or not modes]
            ),
            package_name=rng.choice(packages).name,
        )
        written = service.published_at + (now - service.published_at) * rng.uniform(0.1, 0.95)
        changes = {"created_at": written}
        if rng.random() < {"good": 0.25, "fair": 0.6, "poor": 0.9}[tone]:
            changes["reply"] = rng.choice(REPLY_TEXTS[tone])
            changes["replied_at"] = min(now, written + timedelta(hours=rng.randint(2, 48)))
        Review.objects.filter(pk=review.pk).update(**changes)
    return count


def _sales(rng: random.Random, *, featured: bool, age_days: int) -> int:
    sales = rng.randint(5, 40) * max(age_days, 3) // 3
    if featured:
        sales = sales * 2 + rng.randint(200, 600)
    return min(sales, 3000)


# ---- bulk services for benchmarks ----------------------------------------------------------

BULK_PREFIX = "bulk-"
BULK_BATCH = 1000
BULK_TOPICS = {
    "english": ("英语口语", "商务英语", "英语写作", "英语听力", "新概念英语", "英语语法"),
    "japanese": ("日语五十音", "日语口语", "JLPT N3", "JLPT N2", "商务日语", "日语听力"),
    "ielts-toefl": ("雅思口语", "雅思写作", "雅思阅读", "托福听力", "托福口语", "GRE 词汇"),
    "programming": ("Python", "Java", "Go 语言", "Vue 前端", "React", "Django", "C++ 算法"),
    "data-analysis": (
        "Python 数据分析",
        "SQL",
        "Excel 数据处理",
        "Power BI",
        "Tableau",
        "机器学习",
    ),
    "product": ("产品经理", "需求分析", "Axure 原型", "B 端产品", "数据产品", "AI 产品"),
    "design": ("UI 设计", "Figma", "Photoshop", "商业插画", "平面设计", "C4D 三维", "交互设计"),
    "photography": ("手机摄影", "人像摄影", "风光摄影", "Lightroom 调色", "短视频拍摄"),
    "calligraphy": ("硬笔楷书", "毛笔楷书", "行书", "隶书", "少儿书法", "篆刻"),
    "music": ("民谣吉他", "成人钢琴", "尤克里里", "古筝", "架子鼓", "流行声乐", "小提琴"),
    "postgraduate": ("考研英语", "考研数学", "考研政治", "考研专业课", "考研复试"),
    "civil-service": ("行测", "申论", "公务员面试", "事业单位", "选调生"),
    "teacher-cert": ("教资笔试", "教资面试", "普通话", "教师招聘", "结构化面试"),
    "career-planning": ("职业规划", "简历优化", "面试技巧", "转行指导", "晋升答辩", "职场沟通"),
    "counselling": ("情绪管理", "压力疏导", "亲密关系", "亲子沟通", "正念冥想", "睡眠改善"),
    "study-abroad": ("英国留学", "美国留学", "香港留学", "新加坡留学", "留学文书", "澳洲留学"),
}
BULK_LEVELS = ("零基础入门", "系统进阶", "高分冲刺", "实战", "精讲", "30 天速成", "周末特训")
BULK_FORMATS = (
    ("训练营", LIVE),
    ("实战营", LIVE),
    ("直播班", LIVE),
    ("精品课", RECORDED),
    ("视频课", RECORDED),
    ("私教课", ONE_TO_ONE),
    ("1 对 1 辅导", ONE_TO_ONE),
    ("工作坊", OFFLINE),
    ("线下小班", OFFLINE),
)
BULK_HOOKS = (
    "从基础讲起，循序渐进，零基础也能跟上",
    "精选真实案例，边学边练，适合在职人士",
    "小班教学，老师全程跟进，学完就能上手",
    "考点梳理 + 真题演练，帮你高效提分",
    "每周直播答疑，配套练习与学习群督学",
    "资深老师带你少走弯路，学习效果看得见",
)
BULK_CITIES = ("北京", "上海", "杭州", "深圳", "广州", "成都", "南京", "武汉")
BULK_PRICES = {
    LIVE: ("399", "699", "999", "1299", "1999", "2999", "4999"),
    RECORDED: ("9.90", "19.90", "49", "99", "199", "299", "399", "699"),
    ONE_TO_ONE: ("199", "299", "500", "800", "1200", "1999"),
    OFFLINE: ("299", "599", "1280", "2800", "3600", "8800"),
}
BULK_PACKAGE = {LIVE: "标准班", RECORDED: "标准版", ONE_TO_ONE: "单次课", OFFLINE: "标准席位"}
BULK_MINUTES = {LIVE: 90, RECORDED: 30, ONE_TO_ONE: 60, OFFLINE: 180}


def _join(*parts: str) -> str:
    """Join title parts, with a space where Latin letters or digits meet Chinese."""
    text = parts[0]
    for part in parts[1:]:
        left, right = text[-1], part[0]
        mixed = left.isascii() != right.isascii()
        text += " " + part if mixed and (left + right).isalnum() else part
    return text


def top_up_services(target: int) -> int:
    """Add generated published services (slugs ``bulk-000001``…) until the catalogue holds
    at least ``target`` published services; returns how many were added. Needs the demo
    catalogue's categories, providers and instructors."""
    missing = target - Service.objects.published().count()
    if missing <= 0:
        return 0
    last = (
        Service.objects.filter(slug__startswith=BULK_PREFIX)
        .order_by("-slug")
        .values_list("slug", flat=True)
        .first()
    )
    start = int(last.removeprefix(BULK_PREFIX)) + 1 if last else 1
    leaves = {
        category.slug: category
        for category in Category.objects.filter(slug__in=BULK_TOPICS, parent__isnull=False)
    }
    providers = {
        user.email.lower(): user
        for user in User.objects.select_related("provider_profile").filter(
            email__in=[spec.email for spec in PROVIDERS]
        )
    }
    teachers: dict[int, list[Instructor]] = {}
    for instructor in Instructor.objects.filter(provider__in=providers.values()).order_by("pk"):
        teachers.setdefault(instructor.provider_id, []).append(instructor)
    # Who offers what: the providers of the hand-written services in each category.
    offers: dict[str, list[User]] = {}
    for spec in SERVICES:
        provider = providers[PROVIDER_BY_KEY[spec.provider].email]
        if provider not in offers.setdefault(spec.category, []):
            offers[spec.category].append(provider)
    slugs = sorted(leaves)
    now = timezone.now()
    for first in range(start, start + missing, BULK_BATCH):
        numbers = range(first, min(first + BULK_BATCH, start + missing))
        rows = [
            _bulk_service(number, leaves, slugs, offers, teachers, now=now) for number in numbers
        ]
        services = Service.objects.bulk_create([service for service, *_ in rows])
        if any(service.pk is None for service in services):  # backends without RETURNING
            ids = dict(
                Service.objects.filter(slug__in=[s.slug for s in services]).values_list(
                    "slug", "pk"
                )
            )
            for service in services:
                service.pk = ids[service.slug]
        Package.objects.bulk_create(package for _, package, _, _ in rows)
        SyllabusItem.objects.bulk_create(item for _, _, items, _ in rows for item in items)
        Service.instructors.through.objects.bulk_create(
            Service.instructors.through(service_id=service.pk, instructor_id=instructor.pk)
            for service, _, _, instructor in rows
        )
    return missing


def _bulk_service(
    number: int,
    leaves: dict[str, Category],
    slugs: list[str],
    offers: dict[str, list[User]],
    teachers: dict[int, list[Instructor]],
    *,
    now: datetime,
) -> tuple[Service, Package, list[SyllabusItem], Instructor]:
    rng = _rng(f"bulk:{number}")
    category = leaves[rng.choice(slugs)]
    provider = rng.choice(offers[category.slug])
    instructor = rng.choice(teachers[provider.pk])
    topic = rng.choice(BULK_TOPICS[category.slug])
    level = rng.choice(BULK_LEVELS)
    format_name, mode = rng.choice(BULK_FORMATS)
    title = _join(topic, level, format_name) + f" · 第{number % 60 + 1}期"
    outcomes = (f"建立{topic}的完整知识框架", f"完成 3 个{topic}练习项目", "养成持续学习的习惯")
    price = Decimal(rng.choice(BULK_PRICES[mode]))
    stars = _bulk_histogram(rng)
    rating_count = sum(stars)
    sales = min(3000, rating_count * rng.randint(3, 12) + rng.randint(0, 60))
    service = Service(
        provider=provider,
        category=category,
        slug=f"{BULK_PREFIX}{number:06d}",
        title=title,
        summary=f"{_join(level, topic)}：{rng.choice(BULK_HOOKS)}",
        description=(
            f"{AUDIENCE[category.slug]}\n\n## 你将收获\n\n"
            + "\n".join(f"- {outcome}" for outcome in outcomes)
            + "\n"
        ),
        outcomes="\n".join(outcomes),
        tags=",".join((topic, category.name, level, format_name)),
        mode=mode,
        city=rng.choice(BULK_CITIES) if mode == OFFLINE else "",
        fulfilment=(
            Service.Fulfilment.SELF_PACED if mode == RECORDED else Service.Fulfilment.SCHEDULED
        ),
        starts_on=(
            timezone.localdate(now) + timedelta(days=rng.randint(3, 60))
            if mode in (LIVE, OFFLINE)
            else None
        ),
        study_days=365 if mode == RECORDED else None,
        lesson_count=None if mode == ONE_TO_ONE else 4,
        status=Service.Status.PUBLISHED,
        published_at=now - timedelta(minutes=rng.randint(60, 365 * 24 * 60)),
        price_from=price,
        rating_avg=(
            (Decimal(sum(s * n for s, n in enumerate(stars, 1))) / rating_count).quantize(
                Decimal("0.01"), ROUND_HALF_UP
            )
            if rating_count
            else Decimal("0")
        ),
        rating_count=rating_count,
        rating_histogram=stars,
        sales_count=sales,
        view_count=sales * rng.randint(4, 15) + rng.randint(30, 800),
    )
    service.search_text = search_text_for(
        service,
        provider_name=provider.provider_profile.display_name,
        instructor_names=[instructor.name],
    )
    capacity = rng.choice((None, 30, 50)) if mode in (LIVE, OFFLINE) else None
    package = Package(
        service=service,
        name=BULK_PACKAGE[mode],
        price=price,
        original_price=_shop_price(price * Decimal("1.3")) if rng.random() < 0.5 else None,
        capacity=capacity,
        reserved=rng.randint(0, capacity) if capacity else 0,
    )
    lessons = (f"课程导学：{topic}学习路线", f"{topic}核心知识精讲", f"{topic}案例实战", "复盘答疑")
    items = [
        SyllabusItem(
            service=service,
            position=position,
            title=lesson,
            minutes=BULK_MINUTES[mode],
            is_free_preview=position == 0 and mode in (LIVE, RECORDED),
        )
        for position, lesson in enumerate(lessons)
    ]
    return service, package, items, instructor


def _bulk_histogram(rng: random.Random) -> list[int]:
    """Reviews per star, 1 to 5: most services have a few, mostly good."""
    count = _pick_weighted(
        rng,
        ((0, 20), (rng.randint(1, 5), 35), (rng.randint(6, 40), 30), (rng.randint(41, 300), 15)),
    )
    quality = rng.uniform(0.5, 0.95)
    stars = [0, 0, 0, 0, 0]
    for _ in range(count):
        roll = rng.random()
        star = (
            5
            if roll < quality
            else 4
            if roll < quality + (1 - quality) * 0.6
            else rng.randint(1, 3)
        )
        stars[star - 1] += 1
    return stars
