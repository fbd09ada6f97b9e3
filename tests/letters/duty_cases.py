"""Clauses in the style of platform commitment letters, each with sub-items or several duties,
and the proposals expected from them: (number, what the proposal would raise).

What a proposal raises, in short (see test_duties.describe):
  calendar <period> ×<count> [+<days after the period>] [留存<years>年] [supervisor]
  event <trigger> <step amount><unit> …      one_time <days>      — (no obligation)
A blank the officer fills before signing is □; 未覆盖 marks a promise no obligation covers.
"""

CASES = [
    # ①② under a lead line
    ("1.平台落实以下安全措施:\n①每日开展2次漏洞扫描;\n②发现高危漏洞后24小时内完成修复;\n③积极配合公安机关开展调查。",
     [("1.①", "calendar daily ×2"), ("1.②", "event finding 24小时"), ("1.③", "未覆盖")]),
    ("2.平台每月开展以下工作:①核查商户资质;②抽检客服录音;③更新风险词库。",
     [("2.①", "calendar monthly ×1"), ("2.②", "calendar monthly ×1"), ("2.③", "calendar monthly ×1")]),
    ("3.平台承诺:①坚持依法经营;②不传播违法信息;③每季度向社会公布一次服务质量报告。",
     [("3.①", "—"), ("3.②", "—"), ("3.③", "calendar quarterly ×1")]),
    ("4.个人信息保护:①收集个人信息前取得用户同意;②用户申请删除个人信息的,15个工作日内处理完毕;"
     "③个人信息泄露时立即告知受影响用户。",
     [("4.①", "—"), ("4.②", "event complaint 15工作日"), ("4.③", "event incident □小时")]),
    ("5.平台建立以下制度:\n(1)7×24小时值班制度;\n(2)网络安全事件报告制度;\n(3)数据分类分级保护制度。",
     [("5.1", "calendar □ ×1"), ("5.2", "one_time □"), ("5.3", "one_time □")]),
    # 1. 2. under （一）
    ("（一）内容安全\n1.平台每日对新发布内容进行巡查,巡查不少于3次。\n2.平台发现违法违规内容的,应在2小时内删除并保存记录。\n"
     "3.平台每半年开展一次内容安全自查。",
     [("1.1", "calendar daily ×3"), ("1.2", "event finding 2小时"), ("1.3", "calendar halfyear ×1")]),
    ("（二）应急处置\n1.平台制定网络安全事件应急预案。\n2.平台每年组织不少于2次应急演练。\n"
     "3.发生重大网络安全事件的,平台在1小时内启动应急预案,24小时内向主管部门报告。",
     [("2.1", "one_time □"), ("2.2", "calendar yearly ×2"), ("2.3", "event incident 1小时 24小时")]),
    ("（三）日志与记录\n1.平台留存网络日志不少于6个月。\n2.平台每月备份一次交易记录,备份记录保存不少于3年。",
     [("3.1", "—"), ("3.2", "calendar monthly ×1 留存3年")]),
    ("（四）规则公示\n1.平台修改服务协议的,提前7日在首页显著位置公示。\n2.平台每月公布投诉处理情况。",
     [("4.1", "—"), ("4.2", "calendar monthly ×1")]),
    ("（五）人员保障\n1.平台配备不少于2名专职安全管理人员。\n2.平台每年组织从业人员培训不少于2次。\n"
     "3.平台对新入职员工在入职后10日内完成岗前培训。",
     [("5.1", "calendar □ ×1"), ("5.2", "calendar yearly ×2"), ("5.3", "event complaint 10日")]),
    # (a) (b)
    ("6.平台对商户实行如下管理:(a)入驻前核验营业执照;(b)每季度复核一次商户资质;(c)商户被投诉的,3日内核实处理。",
     [("6.a", "—"), ("6.b", "calendar quarterly ×1"), ("6.c", "event complaint 3日")]),
    ("7.平台对客服工作承诺:(a)每日服务时间不少于12小时;(b)平均接通时长不超过30秒;(c)用户满意率不低于90%。",
     [("7.a", "calendar daily ×1"), ("7.b", "calendar □ ×1"), ("7.c", "calendar □ ×1")]),
    # 其中…;…;
    ("8.平台对用户投诉分级处理,其中:一般投诉在3个工作日内办结;重大投诉在24小时内响应,5日内办结;涉及人身安全的投诉立即处置。",
     [("8.1", "—"), ("8.2", "event complaint 3工作日"), ("8.3", "event complaint 24小时 5日"),
      ("8.4", "event complaint □小时")]),
    ("9.平台对安全隐患实行限期整改,其中:一般隐患30日内整改完毕;重大隐患3个工作日内整改完毕。",
     [("9.1", "—"), ("9.2", "event finding 30日"), ("9.3", "event finding 3工作日")]),
    # sentences that each promise something
    ("10.平台每日开展安全巡检。发现系统故障的,30分钟内启动处置,4小时内恢复服务。",
     [("10.1", "calendar daily ×1"), ("10.2", "event incident 30分钟 4小时")]),
    ("11.平台建立数据安全管理制度。平台每年开展一次数据安全风险评估,评估报告留存不少于3年。",
     [("11.1", "one_time □"), ("11.2", "calendar yearly ×1 留存3年")]),
    ("12.平台定期开展安全自查。平台及时修复自查发现的漏洞。",
     [("12.1", "calendar □ ×1"), ("12.2", "event finding □日")]),
    ("13.平台设立不少于10名专职内容审核人员,每日审核全部新发布内容。",
     [("13.1", "calendar □ ×1"), ("13.2", "calendar daily ×1")]),
    ("14.平台实行7×24小时客服值守,用户投诉在2小时内响应,48小时内给出处理结果。",
     [("14.1", "calendar □ ×1"), ("14.2", "event complaint 2小时 48小时")]),
    ("15.平台每日巡检系统运行状态,及时发现并处置异常。",
     [("15.1", "calendar daily ×1"), ("15.2", "event incident □日")]),
    ("16.平台定期对服务系统进行安全评估,及时修复漏洞,防止数据泄露。",
     [("16.1", "calendar □ ×1"), ("16.2", "event finding □日")]),
    ("17.平台平均响应时长不超过15分钟,每月统计并公示。",
     [("17", "calendar monthly ×1")]),
    ("18.平台设立专职客服团队,投诉平均处理时长不超过3日,投诉处理满意率不低于95%。",
     [("18.1", "one_time □"), ("18.2", "calendar □ ×1"), ("18.3", "calendar □ ×1")]),
    ("19.平台每月抽检客服录音,抽检比例不低于5%。发现违规服务的,5个工作日内完成整改。",
     [("19.1", "calendar monthly ×1"), ("19.2", "event finding 5工作日")]),
    # the supervisory group
    ("20.平台设立内部监督小组,每季度向管理层汇报运营情况。监督小组发现的问题,责任部门15日内整改。",
     [("20.1", "calendar quarterly ×1 +□日 supervisor"), ("20.2", "event finding 15日")]),
    ("21.监督小组每季度结束后10日内向董事会汇报合规情况,并每年向主管部门报送年度合规报告。",
     [("21.1", "calendar quarterly ×1 +10日 supervisor"), ("21.2", "calendar yearly ×1")]),
    # words that leave a number open
    ("22.平台建立服务记录制度,完整保存服务过程相关资料。平台立即处置用户举报的违法信息。",
     [("22.1", "one_time □ 留存□年"), ("22.2", "event complaint □小时")]),
    ("23.平台适时更新隐私政策,并通过站内信通知用户。平台定期向主管部门报送运营报告。",
     [("23.1", "calendar □ ×1"), ("23.2", "calendar □ ×1")]),
    ("24.对于用户咨询和投诉,平台在规定时限内予以处理,并建立服务反馈机制。",
     [("24.1", "event complaint □小时"), ("24.2", "one_time □")]),
    ("25.平台对恶意刷单用户采取限制措施,并积极配合监管部门开展调查。",
     [("25.1", "未覆盖"), ("25.2", "未覆盖")]),
    # several duties in one sentence, with setting-up joining what it works
    ("26.平台建立投诉举报处理机制,对投诉举报在24小时内响应,7日内反馈处理结果,投诉记录保存不少于2年。",
     [("26", "event complaint 24小时 7日 留存2年")]),
    ("27.平台制定应急预案,并每半年开展一次应急演练;发生服务中断的,2小时内恢复。",
     [("27.1", "calendar halfyear ×1"), ("27.2", "event incident 2小时")]),
    ("28.自本承诺书签订之日起30日内,平台完成网络安全等级保护备案,并每年开展一次等级测评。",
     [("28.1", "one_time 30"), ("28.2", "calendar yearly ×1")]),
    ("29.平台每周召开一次安全例会,每月形成安全运营报告,每年开展一次全面安全审计。",
     [("29.1", "calendar weekly ×1"), ("29.2", "calendar monthly ×1"), ("29.3", "calendar yearly ×1")]),
    ("30.平台对上架商品实行每日抽检,发现假冒伪劣商品的,1小时内下架,3日内完成调查。",
     [("30.1", "calendar daily ×1"), ("30.2", "event complaint 1小时 3日")]),
    # sub-items that are themselves several duties
    ("31.平台做好以下工作:\n①每日备份业务数据,备份数据保存不少于1年;\n②每月开展一次恢复演练,发现问题的,10日内整改。",
     [("31.①", "calendar daily ×1 留存1年"), ("31.②.1", "calendar monthly ×1"), ("31.②.2", "event finding 10日")]),
    ("32.平台对未成年人保护承诺如下:\n(1)实名注册未满18周岁的用户,默认开启青少年模式;\n"
     "(2)每季度开展一次未成年人保护专项检查;\n(3)收到涉未成年人举报的,12小时内处置。",
     [("32.1", "—"), ("32.2", "calendar quarterly ×1"), ("32.3", "event complaint 12小时")]),
    ("（六）数据安全\n1.每日对重要数据进行备份;\n2.每半年开展一次数据安全培训;\n3.数据泄露事件发生后1小时内上报。",
     [("6.1", "calendar daily ×1"), ("6.2", "calendar halfyear ×1"), ("6.3", "event incident 1小时")]),
    ("34.支付安全:\n(a)每笔交易进行风险校验;\n(b)可疑交易在30分钟内冻结;\n(c)每月向合作银行报送风险报告。",
     [("34.a", "—"), ("34.b", "event complaint 30分钟"), ("34.c", "calendar monthly ×1")]),
    ("35.平台承诺做到:①每日检查;②每周复盘;③每月总结;④每季度报告。",
     [("35.①", "calendar daily ×1"), ("35.②", "calendar weekly ×1"), ("35.③", "calendar monthly ×1"),
      ("35.④", "calendar quarterly ×1")]),
    # several sentences, some promising nothing
    ("36.平台尊重用户合法权益。平台每年公布一次用户权益保护报告。平台不设置不合理的交易条件。",
     [("36", "calendar yearly ×1")]),  # one promise: the clause stays whole
    ("37.平台重视网络安全。平台每日开展漏洞扫描,发现高危漏洞的,24小时内修复。",
     [("37.1", "—"), ("37.2", "calendar daily ×1"), ("37.3", "event finding 24小时")]),
    ("38.平台每月更新一次违禁词库。用户对处理结果有异议的,平台在5个工作日内复核。",
     [("38.1", "calendar monthly ×1"), ("38.2", "event complaint 5工作日")]),
    ("39.平台每季度开展一次第三方安全评估,评估报告保存3年。评估发现的问题在30日内整改完毕。",
     [("39.1", "calendar quarterly ×1 留存3年"), ("39.2", "event finding 30日")]),
    ("40.平台配备7×24小时网络安全值班人员,确保不少于2名。网络攻击发生后15分钟内启动防护。",
     [("40.1", "calendar □ ×1"), ("40.2", "event incident 15分钟")]),
    ("41.平台每日对直播内容开展实时巡查,巡查人员不少于20名。",
     [("41.1", "calendar daily ×1"), ("41.2", "calendar □ ×1")]),
    ("42.平台每年开展两次消费者满意度调查,调查结果向社会公布。对调查发现的问题,平台及时整改。",
     [("42.1", "calendar yearly ×2"), ("42.2", "event finding □日")]),
]
