<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AdjustPage</name>
    <message>
        <source>why the seal is opened</source>
        <translation>打开铅封的原因</translation>
    </message>
    <message>
        <source>Open seal</source>
        <translation>打开铅封</translation>
    </message>
    <message>
        <source>Coefficient</source>
        <translation>系数</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>数值</translation>
    </message>
    <message>
        <source>Add coefficient</source>
        <translation>添加系数</translation>
    </message>
    <message>
        <source>Adjusted after the as-found test</source>
        <translation>调整前检定后进行调整</translation>
    </message>
    <message>
        <source>Save coefficients</source>
        <translation>保存系数</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>The coefficients in force. Each saved change raises the calibration counter by one and is written to the audit chain.</source>
        <translation>当前生效的标定系数。每保存一次修改，标定计数器加 1，并写入审计链。</translation>
    </message>
    <message>
        <source>Seal: OPEN</source>
        <translation>铅封：已打开</translation>
    </message>
    <message>
        <source>Seal: closed</source>
        <translation>铅封：已封闭</translation>
    </message>
    <message>
        <source>Calibration counter: {before} before adjusting, {now} now</source>
        <translation>标定计数器：调整前 {before}，当前 {now}</translation>
    </message>
    <message>
        <source>Refused: {error}</source>
        <translation>被拒绝：{error}</translation>
    </message>
    <message>
        <source>Say why the seal is opened.</source>
        <translation>请填写打开铅封的原因。</translation>
    </message>
    <message>
        <source>Seal opened.</source>
        <translation>铅封已打开。</translation>
    </message>
    <message>
        <source>Coefficients saved. Calibration counter {before} → {after}.</source>
        <translation>系数已保存。标定计数器 {before} → {after}。</translation>
    </message>
</context>
<context>
    <name>AdminPage</name>
    <message>
        <source>The administrator (login admin) adds the operators, supervisors and technicians. The password needs at least {n} characters, letters and digits or symbols, and must not contain the word admin.</source>
        <translation>系统管理员（用户名 admin）负责添加值班员、站长和技术员账户。密码至少 {n} 个字符，须同时包含字母和数字或符号，且不得包含 admin 字样。</translation>
    </message>
    <message>
        <source>Login</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Password again</source>
        <translation>再次输入密码</translation>
    </message>
    <message>
        <source>Administrator</source>
        <translation>系统管理员</translation>
    </message>
    <message>
        <source>Enter the administrator&apos;s password twice.</source>
        <translation>请输入两次管理员密码。</translation>
    </message>
    <message>
        <source>The two passwords differ.</source>
        <translation>两次输入的密码不一致。</translation>
    </message>
    <message>
        <source>Too short: at least {n} characters.</source>
        <translation>密码太短：至少 {n} 个字符。</translation>
    </message>
    <message>
        <source>Too weak: use letters and digits or symbols.</source>
        <translation>密码太弱：须同时包含字母和数字或符号。</translation>
    </message>
    <message>
        <source>The password must not contain the word admin.</source>
        <translation>密码不得包含 admin 字样。</translation>
    </message>
</context>
<context>
    <name>ApprovalDialog</name>
    <message>
        <source>Supervisor approval</source>
        <translation>站长审批</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>A reason is required.</source>
        <translation>必须填写原因。</translation>
    </message>
    <message>
        <source>{login} may not approve this.</source>
        <translation>{login} 无权审批此操作。</translation>
    </message>
</context>
<context>
    <name>CalibrationHistoryDialog</name>
    <message>
        <source>Calibration history of scale {scale}</source>
        <translation>秤台 {scale} 的标定历史</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>事件</translation>
    </message>
    <message>
        <source>By</source>
        <translation>操作人</translation>
    </message>
    <message>
        <source>Counter</source>
        <translation>计数器</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>PDF of the selected run...</source>
        <translation>所选记录的 PDF...</translation>
    </message>
    <message>
        <source>Seal opened</source>
        <translation>打开铅封</translation>
    </message>
    <message>
        <source>Seal closed</source>
        <translation>封闭铅封</translation>
    </message>
    <message>
        <source>Coefficients changed</source>
        <translation>修改系数</translation>
    </message>
    <message>
        <source>Run recorded</source>
        <translation>记录检定/校准</translation>
    </message>
    <message>
        <source>Dynamic check recorded</source>
        <translation>已记录动态检定</translation>
    </message>
    <message>
        <source>in service</source>
        <translation>使用中检验</translation>
    </message>
    <message>
        <source>initial</source>
        <translation>首次检定</translation>
    </message>
    <message>
        <source>run {n}, {kind}, {verdict}, counter {a} → {b}</source>
        <translation>记录 {n}，{kind}，{verdict}，计数器 {a} → {b}</translation>
    </message>
    <message>
        <source>reason: {reason}</source>
        <translation>原因：{reason}</translation>
    </message>
    <message>
        <source>dynamic run {n}, {kind}, classes {vehicle}/{axle}, {passes} passes, {verdict} ({failed} of {items} items fail)</source>
        <translation>动态记录 {n}，{kind}，准确度等级 {vehicle}/{axle}，过秤 {passes} 次，{verdict}（{items} 项中 {failed} 项不合格）</translation>
    </message>
    <message>
        <source>certificate {number}</source>
        <translation>证书 {number}</translation>
    </message>
    <message>
        <source>No calibration event is recorded for this scale.</source>
        <translation>该秤台尚无标定记录。</translation>
    </message>
    <message>
        <source>Save the calibration record</source>
        <translation>保存检定/校准记录</translation>
    </message>
    <message>
        <source>PDF documents (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <source>PDF saved: {path}</source>
        <translation>PDF 已保存：{path}</translation>
    </message>
</context>
<context>
    <name>CalibrationTexts</name>
    <message>
        <source>Eccentric, support {n}</source>
        <translation>偏载，支点 {n}</translation>
    </message>
    <message>
        <source>Zero</source>
        <translation>零点</translation>
    </message>
    <message>
        <source>Span</source>
        <translation>量程</translation>
    </message>
    <message>
        <source>Linearity, loading</source>
        <translation>称量（加载）</translation>
    </message>
    <message>
        <source>Linearity, unloading</source>
        <translation>称量（卸载）</translation>
    </message>
    <message>
        <source>Eccentric</source>
        <translation>偏载</translation>
    </message>
    <message>
        <source>Repeatability</source>
        <translation>重复性</translation>
    </message>
    <message>
        <source>Discrimination</source>
        <translation>鉴别力</translation>
    </message>
    <message>
        <source>Linearity</source>
        <translation>称量（线性）</translation>
    </message>
    <message>
        <source>Eccentric load</source>
        <translation>偏载</translation>
    </message>
    <message>
        <source>Pass</source>
        <translation>合格</translation>
    </message>
    <message>
        <source>Fail</source>
        <translation>不合格</translation>
    </message>
</context>
<context>
    <name>CalibrationWizard</name>
    <message>
        <source>Calibration and verification</source>
        <translation>检定与校准</translation>
    </message>
    <message>
        <source>&lt; Back</source>
        <translation>&lt; 上一步</translation>
    </message>
    <message>
        <source>Next &gt;</source>
        <translation>下一步 &gt;</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Scale and verification</source>
        <translation>秤台与检定类别</translation>
    </message>
    <message>
        <source>Preparation</source>
        <translation>准备检查</translation>
    </message>
    <message>
        <source>Test weights</source>
        <translation>标准砝码</translation>
    </message>
    <message>
        <source>Adjustment</source>
        <translation>调整</translation>
    </message>
    <message>
        <source>Seal, record and PDF</source>
        <translation>铅封、记录与 PDF</translation>
    </message>
    <message>
        <source>Reference vehicle</source>
        <translation>参考车辆</translation>
    </message>
    <message>
        <source>As found</source>
        <translation>调整前</translation>
    </message>
    <message>
        <source>As left</source>
        <translation>调整后</translation>
    </message>
    <message>
        <source>results</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Ambient temperature {t} °C.</source>
        <translation>环境温度 {t} °C。</translation>
    </message>
    <message>
        <source>Not adjusted.</source>
        <translation>未调整。</translation>
    </message>
</context>
<context>
    <name>CasesModel</name>
    <message>
        <source>Notice no.</source>
        <translation>通知书编号</translation>
    </message>
    <message>
        <source>Plate</source>
        <translation>车牌</translation>
    </message>
    <message>
        <source>Lane</source>
        <translation>车道</translation>
    </message>
    <message>
        <source>Opened</source>
        <translation>立案时间</translation>
    </message>
    <message>
        <source>Unload by</source>
        <translation>卸载期限</translation>
    </message>
    <message>
        <source>Time left</source>
        <translation>剩余时间</translation>
    </message>
    <message>
        <source>First gross (kg)</source>
        <translation>初检总重 (kg)</translation>
    </message>
    <message>
        <source>Limit (kg)</source>
        <translation>限值 (kg)</translation>
    </message>
    <message>
        <source>To unload (kg)</source>
        <translation>应卸载 (kg)</translation>
    </message>
    <message>
        <source>Re-weighings</source>
        <translation>复检</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
</context>
<context>
    <name>CasesView</name>
    <message>
        <source>Show recently closed</source>
        <translation>显示近期结案</translation>
    </message>
    <message>
        <source>Also list cases closed in the last 24 hours</source>
        <translation>同时列出最近24小时内结案的案件</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Close case…</source>
        <translation>结案…</translation>
    </message>
    <message>
        <source>{n} open cases, {overdue} overdue</source>
        <translation>未结案件 {n} 件，其中逾期 {overdue} 件</translation>
    </message>
    <message>
        <source>Could not read the cases: {error}</source>
        <translation>无法读取案件：{error}</translation>
    </message>
    <message>
        <source>Your role may not close cases</source>
        <translation>您的角色无权结案</translation>
    </message>
    <message>
        <source>Select an open case to close it.</source>
        <translation>请选择要结案的未结案件。</translation>
    </message>
    <message>
        <source>Closing case {notice}…</source>
        <translation>正在结案 {notice}…</translation>
    </message>
    <message>
        <source>Case not closed</source>
        <translation>未能结案</translation>
    </message>
    <message>
        <source>The case could not be closed: {error}</source>
        <translation>案件未能结案：{error}</translation>
    </message>
</context>
<context>
    <name>CertificatesView</name>
    <message>
        <source>Scale</source>
        <translation>秤台</translation>
    </message>
    <message>
        <source>Certificate</source>
        <translation>证书编号</translation>
    </message>
    <message>
        <source>Institute</source>
        <translation>检定机构</translation>
    </message>
    <message>
        <source>Issued</source>
        <translation>发证日期</translation>
    </message>
    <message>
        <source>Valid until</source>
        <translation>有效期至</translation>
    </message>
    <message>
        <source>Days left</source>
        <translation>剩余天数</translation>
    </message>
    <message>
        <source>Open scanned copy</source>
        <translation>打开扫描件</translation>
    </message>
    <message>
        <source>The stored scan of {scale} is missing or altered: {problem}</source>
        <translation>{scale} 已保存的扫描件缺失或被改动：{problem}</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>no certificate</source>
        <translation>无证书</translation>
    </message>
    <message>
        <source>expired</source>
        <translation>已过期</translation>
    </message>
    <message>
        <source>Every scale has a valid certificate.</source>
        <translation>所有秤台检定证书均在有效期内。</translation>
    </message>
    <message>
        <source>Certificates to renew (vehicles on these scales are held): {list}</source>
        <translation>需更新的检定证书（这些秤台上的车辆将被暂扣）：{list}</translation>
    </message>
    <message>
        <source>{scale}: no certificate</source>
        <translation>{scale}：无证书</translation>
    </message>
    <message>
        <source>{scale}: expired on {day}</source>
        <translation>{scale}：已于 {day} 过期</translation>
    </message>
    <message>
        <source>{scale}: {days} days left</source>
        <translation>{scale}：剩余 {days} 天</translation>
    </message>
    <message>
        <source>The scan must be a JPEG, PNG or PDF file.</source>
        <translation>扫描件必须是 JPEG、PNG 或 PDF 文件。</translation>
    </message>
</context>
<context>
    <name>CloseCaseDialog</name>
    <message>
        <source>Close case</source>
        <translation>结案</translation>
    </message>
    <message>
        <source>Why the case is closed without unloading</source>
        <translation>未经卸载而结案的原因</translation>
    </message>
    <message>
        <source>Number of the oversize transport permit</source>
        <translation>超限运输许可证编号</translation>
    </message>
    <message>
        <source>Case {notice}: {plate}, {kg} kg to unload</source>
        <translation>案件 {notice}：{plate}，应卸载 {kg} kg</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>处理结果</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Permit no.</source>
        <translation>许可证号</translation>
    </message>
    <message>
        <source>A reason is required.</source>
        <translation>必须填写原因。</translation>
    </message>
    <message>
        <source>A permit close needs the permit number.</source>
        <translation>以许可证结案须填写许可证号。</translation>
    </message>
</context>
<context>
    <name>DeviceForm</name>
    <message>
        <source>Test</source>
        <translation>测试</translation>
    </message>
    <message>
        <source>Read a few values from the device</source>
        <translation>从设备读取几个数值</translation>
    </message>
    <message>
        <source>Serial port (RS-232 / RS-485)</source>
        <translation>串口（RS-232 / RS-485）</translation>
    </message>
    <message>
        <source>Network (TCP)</source>
        <translation>网络（TCP）</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Driver</source>
        <translation>驱动</translation>
    </message>
    <message>
        <source>Device id</source>
        <translation>设备编号</translation>
    </message>
    <message>
        <source>Connection</source>
        <translation>连接方式</translation>
    </message>
    <message>
        <source>None (N)</source>
        <translation>无校验（N）</translation>
    </message>
    <message>
        <source>Even (E)</source>
        <translation>偶校验（E）</translation>
    </message>
    <message>
        <source>Odd (O)</source>
        <translation>奇校验（O）</translation>
    </message>
    <message>
        <source>Baud</source>
        <translation>波特率</translation>
    </message>
    <message>
        <source>Data bits</source>
        <translation>数据位</translation>
    </message>
    <message>
        <source>Parity</source>
        <translation>校验</translation>
    </message>
    <message>
        <source>Stop bits</source>
        <translation>停止位</translation>
    </message>
    <message>
        <source>Serial port</source>
        <translation>串口</translation>
    </message>
    <message>
        <source>Line settings</source>
        <translation>串口参数</translation>
    </message>
    <message>
        <source>TCP port</source>
        <translation>TCP 端口</translation>
    </message>
    <message>
        <source>URL path</source>
        <translation>URL 路径</translation>
    </message>
    <message>
        <source>Register map</source>
        <translation>寄存器映射</translation>
    </message>
    <message>
        <source>Modbus unit id</source>
        <translation>Modbus 从站地址</translation>
    </message>
    <message>
        <source>Address this computer listens on</source>
        <translation>本机监听地址</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Testing {port}... (up to {s} s)</source>
        <translation>正在测试 {port}……（最多 {s} 秒）</translation>
    </message>
    <message>
        <source>No test for this driver here; the desktop&apos;s device view shows whether it talks once the station runs.</source>
        <translation>此处无法测试该驱动；检测站运行后，可在桌面的“设备”页查看其通信是否正常。</translation>
    </message>
    <message>
        <source>Not tested yet.</source>
        <translation>尚未测试。</translation>
    </message>
    <message>
        <source>stable</source>
        <translation>稳定</translation>
    </message>
    <message>
        <source>moving</source>
        <translation>不稳定</translation>
    </message>
    <message>
        <source>It talks: {n} readings, the last {kg} kg ({state}).</source>
        <translation>通信正常：收到 {n} 个读数，最后一个 {kg} kg（{state}）。</translation>
    </message>
    <message>
        <source>No valid reading: {why}.</source>
        <translation>没有有效读数：{why}。</translation>
    </message>
    <message>
        <source>No valid reading: {why}. The device can be kept and its cable or settings fixed later; the desktop shows it as offline until it talks.</source>
        <translation>没有有效读数：{why}。仍可保留该设备，稍后再检查线缆或设置；在通信恢复之前，桌面将其显示为离线。</translation>
    </message>
</context>
<context>
    <name>DevicesPage</name>
    <message>
        <source>Platform scale indicator</source>
        <translation>静态汽车衡仪表</translation>
    </message>
    <message>
        <source>Axle scale indicator</source>
        <translation>轴重秤仪表</translation>
    </message>
    <message>
        <source>Weigh-in-motion controller</source>
        <translation>动态称重控制器</translation>
    </message>
    <message>
        <source>Plate camera</source>
        <translation>车牌识别相机</translation>
    </message>
    <message>
        <source>I/O module (loop, light, barrier)</source>
        <translation>I/O 模块（地感、信号灯、道闸）</translation>
    </message>
    <message>
        <source>LED sign</source>
        <translation>LED 情报板</translation>
    </message>
    <message>
        <source>Enter an id for every device.</source>
        <translation>请为每台设备填写编号。</translation>
    </message>
    <message>
        <source>{id}: enter the serial port (e.g. COM3 or /dev/ttyUSB0).</source>
        <translation>{id}：请填写串口（例如 COM3 或 /dev/ttyUSB0）。</translation>
    </message>
    <message>
        <source>{id}: {port} is not a serial port name (COM3, /dev/ttyUSB0, or a pyserial URL such as rfc2217://host:port).</source>
        <translation>{id}：{port} 不是串口名称（应为 COM3、/dev/ttyUSB0，或 rfc2217://主机:端口 之类的 pyserial URL）。</translation>
    </message>
    <message>
        <source>{id}: enter the network address.</source>
        <translation>{id}：请填写网络地址。</translation>
    </message>
    <message>
        <source>{id}: choose the register map.</source>
        <translation>{id}：请选择寄存器映射。</translation>
    </message>
    <message>
        <source>The devices of this lane: the weighing indicator or controller, and optionally the plate camera, the I/O module for the loop, light and barrier, and the LED sign. Test each one that can be tested; a device that does not answer yet can still be kept.</source>
        <translation>本车道的设备：称重仪表或控制器，以及可选的车牌识别相机、控制地感/信号灯/道闸的 I/O 模块和 LED 情报板。能测试的设备请逐一测试；暂时没有响应的设备也可以保留。</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Devices of lane {n}</source>
        <translation>{n}号车道设备</translation>
    </message>
    <message>
        <source> - works</source>
        <translation> - 正常</translation>
    </message>
    <message>
        <source> - test failed</source>
        <translation> - 测试未通过</translation>
    </message>
    <message>
        <source>Wait for the test to end.</source>
        <translation>请等待测试结束。</translation>
    </message>
    <message>
        <source>The device id {id} is used twice; ids must be unique.</source>
        <translation>设备编号 {id} 重复；编号必须唯一。</translation>
    </message>
    <message>
        <source>Lane {n} has no {kind}: it cannot weigh.</source>
        <translation>{n}号车道没有{kind}，无法称重。</translation>
    </message>
    <message>
        <source>{id} did not answer the test; it is kept.</source>
        <translation>{id} 测试无响应，已保留。</translation>
    </message>
</context>
<context>
    <name>DevicesView</name>
    <message>
        <source>Reconnect</source>
        <translation>重新连接</translation>
    </message>
    <message>
        <source>Pause frames</source>
        <translation>暂停报文</translation>
    </message>
    <message>
        <source>Freeze the frame list to read it</source>
        <translation>冻结报文列表以便查看</translation>
    </message>
    <message>
        <source>Copy frames</source>
        <translation>复制报文</translation>
    </message>
    <message>
        <source>Copy the shown frames as hex and ASCII text</source>
        <translation>将显示的报文以十六进制和ASCII文本复制</translation>
    </message>
    <message>
        <source>Lane</source>
        <translation>车道</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Driver</source>
        <translation>驱动</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Counter</source>
        <translation>计数项</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>数值</translation>
    </message>
    <message>
        <source>No devices are running: the station was started without its devices, so there is nothing to diagnose here.</source>
        <translation>没有运行中的设备：本站启动时未打开设备，此处无可诊断内容。</translation>
    </message>
    <message>
        <source>The drivers have not answered for {seconds:.0f} s.</source>
        <translation>驱动已 {seconds:.0f} 秒无响应。</translation>
    </message>
    <message>
        <source>{count} devices, updated {time}</source>
        <translation>共 {count} 台设备，更新于 {time}</translation>
    </message>
    <message>
        <source>Diagnostics failed: {error}</source>
        <translation>诊断失败：{error}</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>stale</source>
        <translation>数据停滞</translation>
    </message>
    <message>
        <source>connecting</source>
        <translation>连接中</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>fault</source>
        <translation>故障</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <source>{seconds} s ago</source>
        <translation>{seconds} 秒前</translation>
    </message>
    <message>
        <source>Calibration counter</source>
        <translation>标定计数器</translation>
    </message>
    <message>
        <source>Calibration seal</source>
        <translation>标定铅封</translation>
    </message>
    <message>
        <source>open</source>
        <translation>已打开</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>已封闭</translation>
    </message>
    <message>
        <source>Resume frames</source>
        <translation>继续报文</translation>
    </message>
    <message>
        <source>Copied {count} frames.</source>
        <translation>已复制 {count} 条报文。</translation>
    </message>
    <message>
        <source>Close and reopen the selected device&apos;s port</source>
        <translation>关闭并重新打开所选设备的端口</translation>
    </message>
    <message>
        <source>Reconnecting a device needs the technician role</source>
        <translation>重新连接设备需要技术员角色</translation>
    </message>
    <message>
        <source>Reconnecting {device}…</source>
        <translation>正在重新连接 {device}…</translation>
    </message>
    <message>
        <source>{device}: reconnect started; its state shows when the port is back.</source>
        <translation>{device}：已开始重新连接；端口恢复后显示其状态。</translation>
    </message>
    <message>
        <source>{device}: reconnect failed: {error}</source>
        <translation>{device}：重新连接失败：{error}</translation>
    </message>
</context>
<context>
    <name>DriftView</name>
    <message>
        <source>No scale is configured</source>
        <translation>未配置秤</translation>
    </message>
    <message>
        <source>The lanes of the configuration have no weighing device.</source>
        <translation>配置的车道中没有称重设备。</translation>
    </message>
    <message>
        <source>static scale</source>
        <translation>静态秤</translation>
    </message>
    <message>
        <source>axle scale</source>
        <translation>轴重秤</translation>
    </message>
    <message>
        <source>WIM</source>
        <translation>动态称重</translation>
    </message>
    <message>
        <source>{scale} (lane {lane}, {mode})</source>
        <translation>{scale}（{lane} 车道，{mode}）</translation>
    </message>
    <message>
        <source> days</source>
        <translation> 天</translation>
    </message>
    <message>
        <source>The first days of the period are the baseline: the typical weights of the traffic are learnt from them, and the vehicles after them are compared with them. Start the period right after the scale was verified or calibrated; the baseline should hold about 10 000 vehicles.</source>
        <translation>时段的前几天为基准期：从中学习车流的典型重量，之后的车辆与之比较。时段应从秤检定或校准后开始；基准期应包含约 10 000 辆车。</translation>
    </message>
    <message>
        <source>Analyse</source>
        <translation>分析</translation>
    </message>
    <message>
        <source>Scale</source>
        <translation>秤</translation>
    </message>
    <message>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <source>To</source>
        <translation>至</translation>
    </message>
    <message>
        <source>Baseline: the first</source>
        <translation>基准期：前</translation>
    </message>
    <message>
        <source>Zero readings</source>
        <translation>零点读数</translation>
    </message>
    <message>
        <source>Zero (kg)</source>
        <translation>零点（kg）</translation>
    </message>
    <message>
        <source>zero checks</source>
        <translation>零点检查</translation>
    </message>
    <message>
        <source>fitted zero</source>
        <translation>拟合零点</translation>
    </message>
    <message>
        <source>± threshold</source>
        <translation>± 阈值</translation>
    </message>
    <message>
        <source>In motion against static</source>
        <translation>动态与静态比对</translation>
    </message>
    <message>
        <source>Deviation (%)</source>
        <translation>偏差（%）</translation>
    </message>
    <message>
        <source>pairs</source>
        <translation>比对对</translation>
    </message>
    <message>
        <source>window mean</source>
        <translation>窗口均值</translation>
    </message>
    <message>
        <source>Typical weight per week, against the baseline</source>
        <translation>每周典型重量（相对基准期）</translation>
    </message>
    <message>
        <source>baseline end</source>
        <translation>基准期结束</translation>
    </message>
    <message>
        <source>CUSUM of the typical trucks</source>
        <translation>典型车辆 CUSUM</translation>
    </message>
    <message>
        <source>Baseline SDs</source>
        <translation>基准标准差</translation>
    </message>
    <message>
        <source>Vehicle after the baseline</source>
        <translation>基准期后车辆序号</translation>
    </message>
    <message>
        <source>alarm</source>
        <translation>报警</translation>
    </message>
    <message>
        <source>start</source>
        <translation>起点</translation>
    </message>
    <message>
        <source>C+ (reads high)</source>
        <translation>C+（偏高）</translation>
    </message>
    <message>
        <source>C− (reads low, drawn down)</source>
        <translation>C−（偏低，向下绘制）</translation>
    </message>
    <message>
        <source>Choose a period</source>
        <translation>请选择时段</translation>
    </message>
    <message>
        <source>The period must end on or after the day it starts.</source>
        <translation>时段结束日不得早于开始日。</translation>
    </message>
    <message>
        <source>Analysing scale {scale}…</source>
        <translation>正在分析秤 {scale}…</translation>
    </message>
    <message>
        <source>Reading the weighings of the period and running the detectors.</source>
        <translation>正在读取该时段的称重记录并运行检测。</translation>
    </message>
    <message>
        <source>The analysis failed</source>
        <translation>分析失败</translation>
    </message>
    <message>
        <source>The scale&apos;s coefficients were changed on {time}, inside the period: a baseline from before then does not describe the scale now. Start the period after it.</source>
        <translation>秤的系数于 {time} 修改，在所选时段内：此前的基准期不能代表秤的现状。请从该时间之后开始时段。</translation>
    </message>
    <message>
        <source>Drift warning on scale {scale}</source>
        <translation>秤 {scale} 漂移警告</translation>
    </message>
    <message>
        <source>No drift found on scale {scale}</source>
        <translation>秤 {scale} 未发现漂移</translation>
    </message>
    <message>
        <source>Not enough data to judge scale {scale}</source>
        <translation>数据不足，无法判断秤 {scale}</translation>
    </message>
    <message>
        <source>Scale {scale}, {first} to {last}, baseline to {baseline}: {baseline_count} baseline and {monitored} monitored vehicles, {readings} zero checks, {pairs} pairs. Updated {time}.</source>
        <translation>秤 {scale}，{first} 至 {last}，基准期至 {baseline}：基准车辆 {baseline_count} 辆，监测车辆 {monitored} 辆，零点检查 {readings} 次，比对 {pairs} 对。更新于 {time}。</translation>
    </message>
    <message>
        <source>reads high</source>
        <translation>读数偏高</translation>
    </message>
    <message>
        <source>reads low</source>
        <translation>读数偏低</translation>
    </message>
    <message>
        <source>Typical trucks: the scale {direction}. CUSUM alarm at vehicle {vehicle} ({time}): weights about {shift} since vehicle ~{start} ({since}); baseline {baseline} vehicles in {groups} groups; k={k:g}, h={h:g}.</source>
        <translation>典型车辆：该秤{direction}。CUSUM 于第 {vehicle} 辆车（{time}）报警：自约第 {start} 辆车（{since}）起重量偏差约 {shift}；基准期 {baseline} 辆车，{groups} 组；k={k:g}，h={h:g}。</translation>
    </message>
    <message>
        <source>Typical trucks: not enough data: no weighings in the baseline days.</source>
        <translation>典型车辆：数据不足：基准期内无称重记录。</translation>
    </message>
    <message>
        <source>Typical trucks: not enough data: in the {count} baseline vehicles no group of one class, empty or full, has {least} vehicles with a spread under {spread}.</source>
        <translation>典型车辆：数据不足：基准期 {count} 辆车中，没有任何车型的空载或满载组达到 {least} 辆且离散度低于 {spread}。</translation>
    </message>
    <message>
        <source>Typical trucks: not enough data: no vehicle after the baseline in a counted group.</source>
        <translation>典型车辆：数据不足：基准期后没有属于计入组的车辆。</translation>
    </message>
    <message>
        <source>Typical trucks: no alarm; {counted} of {monitored} vehicles counted, the CUSUM reached {peak:.0f} of h={h:g}; baseline {baseline} vehicles in {groups} groups.</source>
        <translation>典型车辆：无报警；{monitored} 辆车中计入 {counted} 辆，CUSUM 最高 {peak:.0f}（h={h:g}）；基准期 {baseline} 辆车，{groups} 组。</translation>
    </message>
    <message>
        <source>Zero: the scale is not registered, so its division e is unknown and its zero is not judged.</source>
        <translation>零点：该秤未登记，分度值 e 未知，不判断零点。</translation>
    </message>
    <message>
        <source>Zero: not enough data: {count} zero checks in the last {days:g} days, {needed} needed.</source>
        <translation>零点：数据不足：最近 {days:g} 天内零点检查 {count} 次，至少需要 {needed} 次。</translation>
    </message>
    <message>
        <source>Zero: moved {change} kg ({e} e) in {days} days, beyond ±{threshold} kg; it is now at {latest} kg.</source>
        <translation>零点：{days} 天内变化 {change} kg（{e} e），超出 ±{threshold} kg；当前为 {latest} kg。</translation>
    </message>
    <message>
        <source>Zero: moved {change} kg ({e} e) in {days} days, within ±{threshold} kg.</source>
        <translation>零点：{days} 天内变化 {change} kg（{e} e），在 ±{threshold} kg 以内。</translation>
    </message>
    <message>
        <source>In motion against static: not enough data: {count} pairs, {needed} needed.</source>
        <translation>动静比对：数据不足：{count} 对，至少需要 {needed} 对。</translation>
    </message>
    <message>
        <source>In motion against static: the last {count} pairs differ by {mean} (SE {se}), within ±{threshold}.</source>
        <translation>动静比对：最近 {count} 对偏差 {mean}（标准误 {se}），在 ±{threshold} 以内。</translation>
    </message>
    <message>
        <source>the in-motion scales read higher than this scale</source>
        <translation>动态秤读数高于本秤</translation>
    </message>
    <message>
        <source>the in-motion scales read lower than this scale</source>
        <translation>动态秤读数低于本秤</translation>
    </message>
    <message>
        <source>this scale reads high</source>
        <translation>本秤读数偏高</translation>
    </message>
    <message>
        <source>this scale reads low</source>
        <translation>本秤读数偏低</translation>
    </message>
    <message>
        <source>In motion against static: {direction}. The last {count} pairs differ by {mean} (SE {se}), beyond ±{threshold}; first warning {time}.</source>
        <translation>动静比对：{direction}。最近 {count} 对偏差 {mean}（标准误 {se}），超出 ±{threshold}；首次警告于 {time}。</translation>
    </message>
    <message>
        <source>all groups (± 2 SE)</source>
        <translation>全部组（± 2 标准误）</translation>
    </message>
    <message>
        <source>empty</source>
        <translation>空载</translation>
    </message>
    <message>
        <source>full</source>
        <translation>满载</translation>
    </message>
    <message>
        <source>{axles} axles {code}, {limit} t, {state}</source>
        <translation>{axles} 轴 {code}，{limit} 吨，{state}</translation>
    </message>
</context>
<context>
    <name>DynamicFinishPage</name>
    <message>
        <source>Record saved as dynamic run {n}.</source>
        <translation>记录已保存为动态记录 {n}。</translation>
    </message>
</context>
<context>
    <name>DynamicPage</name>
    <message>
        <source>Passes</source>
        <translation>通过记录</translation>
    </message>
    <message>
        <source>2-axle rigid reference vehicle</source>
        <translation>两轴刚性参考车辆</translation>
    </message>
    <message>
        <source>corrected mean of the passes (R 134)</source>
        <translation>各次通过的修正平均值（R 134）</translation>
    </message>
    <message>
        <source>static axle loads</source>
        <translation>静态轴荷</translation>
    </message>
    <message>
        <source>e.g. 2+3, 4+5+6 (empty: single axles)</source>
        <translation>例如 2+3, 4+5+6（留空：均为单轴）</translation>
    </message>
    <message>
        <source>Static (kg)</source>
        <translation>静态 (kg)</translation>
    </message>
    <message>
        <source>= sum of the axles</source>
        <translation>= 各轴之和</translation>
    </message>
    <message>
        <source>plate or description</source>
        <translation>车牌号或说明</translation>
    </message>
    <message>
        <source>Vehicle mass class</source>
        <translation>整车准确度等级</translation>
    </message>
    <message>
        <source>Axle load class</source>
        <translation>轴荷准确度等级</translation>
    </message>
    <message>
        <source>Classes</source>
        <translation>准确度等级</translation>
    </message>
    <message>
        <source>Reference vehicle</source>
        <translation>参考车辆</translation>
    </message>
    <message>
        <source>Axles compared with</source>
        <translation>轴荷比较基准</translation>
    </message>
    <message>
        <source>Axle groups</source>
        <translation>轴组</translation>
    </message>
    <message>
        <source>Axles</source>
        <translation>轴数</translation>
    </message>
    <message>
        <source>Static reference</source>
        <translation>静态参考值</translation>
    </message>
    <message>
        <source>Gross (static)</source>
        <translation>总质量（静态）</translation>
    </message>
    <message>
        <source>Add pass</source>
        <translation>添加通过</translation>
    </message>
    <message>
        <source>Read next vehicle</source>
        <translation>读取下一辆车</translation>
    </message>
    <message>
        <source>Remove pass</source>
        <translation>删除通过</translation>
    </message>
    <message>
        <source>Evaluate</source>
        <translation>计算结果</translation>
    </message>
    <message>
        <source>Pass</source>
        <translation>通过</translation>
    </message>
    <message>
        <source>Speed (km/h)</source>
        <translation>车速 (km/h)</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>项目</translation>
    </message>
    <message>
        <source>Reading (kg)</source>
        <translation>示值 (kg)</translation>
    </message>
    <message>
        <source>Reference (kg)</source>
        <translation>参考值 (kg)</translation>
    </message>
    <message>
        <source>Deviation (kg)</source>
        <translation>偏差 (kg)</translation>
    </message>
    <message>
        <source>Limit (kg)</source>
        <translation>允许值 (kg)</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结论</translation>
    </message>
    <message>
        <source>Axle {n}</source>
        <translation>第 {n} 轴</translation>
    </message>
    <message>
        <source>Waiting for the reference vehicle...</source>
        <translation>等待参考车辆通过...</translation>
    </message>
    <message>
        <source>The scale reported {n} axles; the reference vehicle has {m}.</source>
        <translation>秤台报告 {n} 个轴；参考车辆有 {m} 个轴。</translation>
    </message>
    <message>
        <source>Reading failed: {error}</source>
        <translation>读数失败：{error}</translation>
    </message>
    <message>
        <source>The inputs changed: evaluate again.</source>
        <translation>输入已更改：请重新计算。</translation>
    </message>
    <message>
        <source>Enter the static load of every axle.</source>
        <translation>请输入每个轴的静态轴荷。</translation>
    </message>
    <message>
        <source>Enter the static gross mass.</source>
        <translation>请输入静态总质量。</translation>
    </message>
    <message>
        <source>Axle groups are written like 2+3, 4+5+6.</source>
        <translation>轴组的写法如 2+3, 4+5+6。</translation>
    </message>
    <message>
        <source>Pass {n} is not complete.</source>
        <translation>第 {n} 次通过的数据不完整。</translation>
    </message>
    <message>
        <source>Add at least one pass.</source>
        <translation>请至少添加一次通过。</translation>
    </message>
    <message>
        <source>Gross</source>
        <translation>总质量</translation>
    </message>
    <message>
        <source>Group {axles}</source>
        <translation>轴组 {axles}</translation>
    </message>
    <message>
        <source>{failed} of {total} items fail</source>
        <translation>{total} 项中 {failed} 项不合格</translation>
    </message>
    <message>
        <source>All {total} items pass</source>
        <translation>全部 {total} 项合格</translation>
    </message>
</context>
<context>
    <name>FinishPage</name>
    <message>
        <source>Close seal</source>
        <translation>封闭铅封</translation>
    </message>
    <message>
        <source>if a certificate is issued</source>
        <translation>如出具证书</translation>
    </message>
    <message>
        <source>Save record</source>
        <translation>保存记录</translation>
    </message>
    <message>
        <source>Save PDF...</source>
        <translation>保存 PDF...</translation>
    </message>
    <message>
        <source>Print...</source>
        <translation>打印...</translation>
    </message>
    <message>
        <source>Certificate no.</source>
        <translation>证书编号</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Result: {verdict}</source>
        <translation>结论：{verdict}</translation>
    </message>
    <message>
        <source>Seal: OPEN. Close it before saving.</source>
        <translation>铅封：已打开。保存前请先封闭。</translation>
    </message>
    <message>
        <source>Seal: closed</source>
        <translation>铅封：已封闭</translation>
    </message>
    <message>
        <source>Calibration counter now: {n}</source>
        <translation>当前标定计数器：{n}</translation>
    </message>
    <message>
        <source>Seal closed; write counter {n} on the seal.</source>
        <translation>铅封已封闭；请在铅封上记录计数器 {n}。</translation>
    </message>
    <message>
        <source>Record saved as calibration session {n}.</source>
        <translation>记录已保存，检定/校准记录号 {n}。</translation>
    </message>
    <message>
        <source>Save the calibration record</source>
        <translation>保存检定/校准记录</translation>
    </message>
    <message>
        <source>PDF documents (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <source>PDF saved: {path}</source>
        <translation>PDF 已保存：{path}</translation>
    </message>
    <message>
        <source>The PDF was not produced: {error}</source>
        <translation>未能生成 PDF：{error}</translation>
    </message>
</context>
<context>
    <name>FirstRunWizard</name>
    <message>
        <source>Set up the station</source>
        <translation>检测站初始设置</translation>
    </message>
    <message>
        <source>&lt; Back</source>
        <translation>&lt; 上一步</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Next &gt;</source>
        <translation>下一步 &gt;</translation>
    </message>
    <message>
        <source>Writing the configuration, creating the database...</source>
        <translation>正在写入配置、创建数据库……</translation>
    </message>
    <message>
        <source>Start the desktop</source>
        <translation>启动工作站</translation>
    </message>
    <message>
        <source>The configuration is saved. The database in {folder} already had accounts, so the administrator&apos;s password was not changed: sign in with the existing one.</source>
        <translation>配置已保存。{folder} 中的数据库已有账户，因此系统管理员密码未更改：请使用原有密码登录。</translation>
    </message>
    <message>
        <source>Finish failed; the configuration file was not written: {error}</source>
        <translation>完成失败，配置文件未写入：{error}</translation>
    </message>
</context>
<context>
    <name>FrameModel</name>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Dir</source>
        <translation>方向</translation>
    </message>
    <message>
        <source>Hex</source>
        <translation>十六进制</translation>
    </message>
    <message>
        <source>ASCII</source>
        <translation>ASCII</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
</context>
<context>
    <name>LanePanel</name>
    <message>
        <source>Lane {n}: {name}</source>
        <translation>车道 {n}：{name}</translation>
    </message>
    <message>
        <source>Scale</source>
        <translation>秤台</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>相机</translation>
    </message>
    <message>
        <source>I/O</source>
        <translation>I/O</translation>
    </message>
    <message>
        <source>Sign</source>
        <translation>情报板</translation>
    </message>
    <message>
        <source>Plate</source>
        <translation>车牌</translation>
    </message>
    <message>
        <source>Weight (kg)</source>
        <translation>重量 (kg)</translation>
    </message>
    <message>
        <source>Seconds</source>
        <translation>秒</translation>
    </message>
    <message>
        <source>Axle load (kg)</source>
        <translation>轴重 (kg)</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>等待</translation>
    </message>
    <message>
        <source>Weighing</source>
        <translation>称重中</translation>
    </message>
    <message>
        <source>Stable</source>
        <translation>已稳定</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Type the plate and press Enter</source>
        <translation>请输入车牌并按回车</translation>
    </message>
    <message>
        <source>Gross {kg} kg</source>
        <translation>总重 {kg} kg</translation>
    </message>
    <message>
        <source>HOLD for review: {reason}</source>
        <translation>待复核：{reason}</translation>
    </message>
    <message>
        <source>OVERLOADED {kg} kg ({rate}%)</source>
        <translation>超限 {kg} kg（{rate}%）</translation>
    </message>
    <message>
        <source>WITHIN LIMIT</source>
        <translation>未超限</translation>
    </message>
</context>
<context>
    <name>LanesPage</name>
    <message>
        <source>How many lanes the station weighs on, and how each weighs: a platform scale for whole vehicles at rest, an axle scale for vehicles driving over slowly, or a weigh-in-motion controller.</source>
        <translation>检测站有几条称重车道，以及每条车道的称重方式：静态汽车衡（整车停稳称重）、轴重秤（车辆低速通过）或动态称重控制器。</translation>
    </message>
    <message>
        <source>Number of lanes</source>
        <translation>车道数</translation>
    </message>
    <message>
        <source>Lane</source>
        <translation>车道</translation>
    </message>
    <message>
        <source>Weighing</source>
        <translation>称重方式</translation>
    </message>
    <message>
        <source>Direction</source>
        <translation>方向</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Lanes</source>
        <translation>车道</translation>
    </message>
    <message>
        <source>Platform scale (static)</source>
        <translation>静态汽车衡（静态称重）</translation>
    </message>
    <message>
        <source>Axle scale (slow motion)</source>
        <translation>轴重秤（低速轴重）</translation>
    </message>
    <message>
        <source>Weigh-in-motion</source>
        <translation>动态称重</translation>
    </message>
    <message>
        <source>Lane {n}</source>
        <translation>{n}号车道</translation>
    </message>
    <message>
        <source>Up (上行)</source>
        <translation>上行</translation>
    </message>
    <message>
        <source>Down (下行)</source>
        <translation>下行</translation>
    </message>
</context>
<context>
    <name>LanguagePage</name>
    <message>
        <source>This station has no configuration yet. The wizard asks for the station, its lanes and devices, the provincial platform and the administrator&apos;s password. Nothing is written before Finish; Cancel leaves everything as it was.</source>
        <translation>本检测站尚未配置。向导将依次询问检测站信息、车道和设备、省级平台以及系统管理员密码。点击“完成”之前不会写入任何内容；点击“取消”则一切保持原样。</translation>
    </message>
    <message>
        <source>Language of the desktop</source>
        <translation>界面语言</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
</context>
<context>
    <name>LockScreen</name>
    <message>
        <source>Screen locked</source>
        <translation>屏幕已锁定</translation>
    </message>
    <message>
        <source>Unlock with your password, or sign in to take over the desk.</source>
        <translation>输入本人密码解锁，或由接班人员登录接班。</translation>
    </message>
    <message>
        <source>Login</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
    <message>
        <source>Checking...</source>
        <translation>正在验证…</translation>
    </message>
    <message>
        <source>Wrong login or password.</source>
        <translation>用户名或密码错误。</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Sign in: {station}</source>
        <translation>登录：{station}</translation>
    </message>
    <message>
        <source>Sign in to start your shift.</source>
        <translation>请登录以开始值班。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Overload station: {name} ({code})</source>
        <translation>超限检测站：{name}（{code}）</translation>
    </message>
    <message>
        <source>No lanes are configured. An administrator adds them in Station &gt; Settings (see docs/configuration.md).</source>
        <translation>尚未配置车道。请管理员在“站点 &gt; 系统设置”中添加（参见 docs/configuration.md）。</translation>
    </message>
    <message>
        <source>Lanes</source>
        <translation>车道</translation>
    </message>
    <message>
        <source>Records</source>
        <translation>检测记录</translation>
    </message>
    <message>
        <source>Open cases</source>
        <translation>未结案件</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Upload</source>
        <translation>数据上传</translation>
    </message>
    <message>
        <source>Certificates</source>
        <translation>检定证书</translation>
    </message>
    <message>
        <source>Drift</source>
        <translation>漂移监测</translation>
    </message>
    <message>
        <source>Confirm</source>
        <translation>确认</translation>
    </message>
    <message>
        <source>Correct plate...</source>
        <translation>更正车牌…</translation>
    </message>
    <message>
        <source>Print ticket</source>
        <translation>打印检测单</translation>
    </message>
    <message>
        <source>Print unload notice</source>
        <translation>打印卸载通知书</translation>
    </message>
    <message>
        <source>Close case...</source>
        <translation>结案…</translation>
    </message>
    <message>
        <source>Enter axle type...</source>
        <translation>输入轴型…</translation>
    </message>
    <message>
        <source>Supervisor override...</source>
        <translation>站长放行…</translation>
    </message>
    <message>
        <source>Zero the scale</source>
        <translation>秤台置零</translation>
    </message>
    <message>
        <source>Lock screen</source>
        <translation>锁屏</translation>
    </message>
    <message>
        <source>End shift</source>
        <translation>交班</translation>
    </message>
    <message>
        <source>Settings...</source>
        <translation>系统设置…</translation>
    </message>
    <message>
        <source>Calibration...</source>
        <translation>检定/校准...</translation>
    </message>
    <message>
        <source>Daily scale check...</source>
        <translation>每日秤台检查…</translation>
    </message>
    <message>
        <source>Lane {n}</source>
        <translation>车道 {n}</translation>
    </message>
    <message>
        <source>&amp;Station</source>
        <translation>站点(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Lane</source>
        <translation>车道(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Maintenance</source>
        <translation>维护(&amp;M)</translation>
    </message>
    <message>
        <source>Lane actions</source>
        <translation>车道操作</translation>
    </message>
    <message>
        <source>Lane {n}: enter the axle type (F7)</source>
        <translation>车道 {n}：请输入轴型（F7）</translation>
    </message>
    <message>
        <source>Lane {n}: vehicle left: {reason}</source>
        <translation>车道 {n}：车辆已离开：{reason}</translation>
    </message>
    <message>
        <source>Lane {n}: released by supervisor override</source>
        <translation>车道 {n}：站长已强制放行</translation>
    </message>
    <message>
        <source>Plate</source>
        <translation>车牌</translation>
    </message>
    <message>
        <source>Confirmed {check}</source>
        <translation>已确认 {check}</translation>
    </message>
    <message>
        <source>Plate corrected; new record {check}</source>
        <translation>车牌已更正；新记录 {check}</translation>
    </message>
    <message>
        <source>Axle type</source>
        <translation>轴型</translation>
    </message>
    <message>
        <source>Axle-group codes front to rear, e.g. 1157</source>
        <translation>由前至后的轴组代码，例如 1157</translation>
    </message>
    <message>
        <source>No weighing on this lane yet</source>
        <translation>本车道尚无称重记录</translation>
    </message>
    <message>
        <source>This weighing has no unload notice</source>
        <translation>本次称重没有卸载通知书</translation>
    </message>
    <message>
        <source>Document saved: {path}</source>
        <translation>文书已保存：{path}</translation>
    </message>
    <message>
        <source>Release lane {n} against the verdict</source>
        <translation>违反判定放行车道 {n}</translation>
    </message>
    <message>
        <source>Override</source>
        <translation>强制放行</translation>
    </message>
    <message>
        <source>Zero</source>
        <translation>置零</translation>
    </message>
    <message>
        <source>No running scale can be zeroed from here.</source>
        <translation>没有可从此处置零的运行中秤台。</translation>
    </message>
    <message>
        <source>Calibration</source>
        <translation>检定/校准</translation>
    </message>
    <message>
        <source>Only a technician may calibrate a scale.</source>
        <translation>只有技术员可以检定/校准秤台。</translation>
    </message>
    <message>
        <source>Shift of {login} ended: {n} weighings, {over} over the limit</source>
        <translation>{login} 已交班：称重 {n} 次，超限 {over} 次</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>系统设置</translation>
    </message>
    <message>
        <source>This station runs without a configuration file.</source>
        <translation>本站未使用配置文件运行。</translation>
    </message>
    <message>
        <source>Upload did not run: {error}</source>
        <translation>上传未能进行：{error}</translation>
    </message>
    <message>
        <source>Upload: {result}; {sent} records sent, {pending} left</source>
        <translation>上传：{result}；已发送 {sent} 条记录，剩余 {pending} 条</translation>
    </message>
    <message>
        <source>Lane {n}: the weighing queued at {time} is recorded as {check}</source>
        <translation>{n}号车道：{time} 暂存的称重已记录为 {check}</translation>
    </message>
    <message>
        <source>Database server unreachable: {n} weighings queued here</source>
        <translation>无法连接数据库服务器：{n} 条称重暂存在本机</translation>
    </message>
    <message>
        <source>Database server back: {n} queued weighings to record</source>
        <translation>数据库服务器已恢复：{n} 条暂存称重待记录</translation>
    </message>
    <message>
        <source>{n} queued entries could not be recorded (see the log)</source>
        <translation>{n} 条暂存记录无法入库（见日志）</translation>
    </message>
    <message>
        <source>Drift: {scales} (see the Drift tab)</source>
        <translation>漂移警告：{scales}（见“漂移监测”页）</translation>
    </message>
    <message>
        <source>Upload failed</source>
        <translation>上传失败</translation>
    </message>
    <message>
        <source>Clock off by {n} s</source>
        <translation>时钟偏差 {n} 秒</translation>
    </message>
    <message>
        <source>Not signed in</source>
        <translation>未登录</translation>
    </message>
    <message>
        <source>DEMO</source>
        <translation>演示</translation>
    </message>
    <message>
        <source>Demo accounts: {accounts}</source>
        <translation>演示账户：{accounts}</translation>
    </message>
</context>
<context>
    <name>PassesModel</name>
    <message>
        <source>Started</source>
        <translation>开始时间</translation>
    </message>
    <message>
        <source>Trigger</source>
        <translation>方式</translation>
    </message>
    <message>
        <source>By</source>
        <translation>执行人</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Records sent</source>
        <translation>已发送记录</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>已接收</translation>
    </message>
    <message>
        <source>Duplicate</source>
        <translation>重复</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>被拒绝</translation>
    </message>
    <message>
        <source>Pictures</source>
        <translation>图片</translation>
    </message>
    <message>
        <source>Manifest</source>
        <translation>日清单</translation>
    </message>
    <message>
        <source>Left pending</source>
        <translation>剩余待传</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>错误</translation>
    </message>
</context>
<context>
    <name>PasswordChangeDialog</name>
    <message>
        <source>Change your password</source>
        <translation>修改密码</translation>
    </message>
    <message>
        <source>Current password</source>
        <translation>当前密码</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>新密码</translation>
    </message>
    <message>
        <source>New password again</source>
        <translation>再次输入新密码</translation>
    </message>
    <message>
        <source>The two new passwords differ.</source>
        <translation>两次输入的新密码不一致。</translation>
    </message>
</context>
<context>
    <name>PlateCorrectionDialog</name>
    <message>
        <source>Correct the plate of {check}</source>
        <translation>更正 {check} 的车牌</translation>
    </message>
    <message>
        <source>Yellow</source>
        <translation>黄色</translation>
    </message>
    <message>
        <source>Blue</source>
        <translation>蓝色</translation>
    </message>
    <message>
        <source>Green</source>
        <translation>绿色</translation>
    </message>
    <message>
        <source>Yellow-green</source>
        <translation>黄绿色</translation>
    </message>
    <message>
        <source>Black</source>
        <translation>黑色</translation>
    </message>
    <message>
        <source>White</source>
        <translation>白色</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>Plate misread by the camera</source>
        <translation>相机识别车牌错误</translation>
    </message>
    <message>
        <source>The record is voided and recorded again with this plate; both stay in the chain.</source>
        <translation>原记录将作废，并以更正后的车牌重新记录；两条记录均保留在哈希链中。</translation>
    </message>
    <message>
        <source>Plate</source>
        <translation>车牌</translation>
    </message>
    <message>
        <source>Colour</source>
        <translation>颜色</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
</context>
<context>
    <name>PointTable</name>
    <message>
        <source>Test</source>
        <translation>检定项目</translation>
    </message>
    <message>
        <source>Load (kg)</source>
        <translation>载荷 (kg)</translation>
    </message>
    <message>
        <source>Indication (kg)</source>
        <translation>示值 (kg)</translation>
    </message>
    <message>
        <source>ΔL (g)</source>
        <translation>ΔL (g)</translation>
    </message>
    <message>
        <source>Error (kg)</source>
        <translation>误差 (kg)</translation>
    </message>
    <message>
        <source>MPE (kg)</source>
        <translation>最大允许误差 (kg)</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结论</translation>
    </message>
    <message>
        <source>With 1.4 d (kg)</source>
        <translation>加 1.4 d 后 (kg)</translation>
    </message>
    <message>
        <source>Changed?</source>
        <translation>示值改变？</translation>
    </message>
    <message>
        <source>read or type</source>
        <translation>读取或输入</translation>
    </message>
    <message>
        <source>Read</source>
        <translation>读取</translation>
    </message>
    <message>
        <source>optional</source>
        <translation>可选</translation>
    </message>
    <message>
        <source>Read with 1.4 d</source>
        <translation>加 1.4 d 后读取</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Reading...</source>
        <translation>读取中...</translation>
    </message>
    <message>
        <source>Reading failed: {error}</source>
        <translation>读数失败：{error}</translation>
    </message>
</context>
<context>
    <name>PreparationPage</name>
    <message>
        <source>Platform and pit clean</source>
        <translation>秤台及基坑清洁</translation>
    </message>
    <message>
        <source>No binding at the stops or limit bolts</source>
        <translation>限位装置及限位螺栓无卡碰</translation>
    </message>
    <message>
        <source>Approach ramps level and long enough</source>
        <translation>引道平直且长度足够</translation>
    </message>
    <message>
        <source>Junction box dry, cables intact</source>
        <translation>接线盒干燥，电缆完好</translation>
    </message>
    <message>
        <source>Indicator warmed up (at least 15 to 30 minutes)</source>
        <translation>仪表已预热（至少 15 至 30 分钟）</translation>
    </message>
    <message>
        <source>not entered</source>
        <translation>未填写</translation>
    </message>
    <message>
        <source>Before the first reading:</source>
        <translation>首次读数之前：</translation>
    </message>
    <message>
        <source>Ambient temperature</source>
        <translation>环境温度</translation>
    </message>
</context>
<context>
    <name>PrintPreview</name>
    <message>
        <source>Print preview</source>
        <translation>打印预览</translation>
    </message>
    <message>
        <source>Cannot print</source>
        <translation>无法打印</translation>
    </message>
    <message>
        <source>The document could not be prepared for printing: {error}</source>
        <translation>文书无法准备打印：{error}</translation>
    </message>
</context>
<context>
    <name>Printing</name>
    <message>
        <source>Cannot print</source>
        <translation>无法打印</translation>
    </message>
    <message>
        <source>The document was not produced: {error}</source>
        <translation>文书未生成：{error}</translation>
    </message>
</context>
<context>
    <name>ProvincePage</name>
    <message>
        <source>Every night the station uploads its records to the provincial overload platform. The province gives each station the platform&apos;s address, a secret key (64 hex characters) and sometimes a CA certificate. Leave the upload off if they are not at hand yet; it can be set up later in the settings.</source>
        <translation>检测站每晚将检测记录上传到省级治超联网平台。省里会为每个检测站提供平台地址、密钥（64 位十六进制字符），有时还有 CA 证书。如果暂时还没有这些信息，可以先不开启上传，以后在“设置”中配置。</translation>
    </message>
    <message>
        <source>Upload to the provincial platform</source>
        <translation>上传到省级平台</translation>
    </message>
    <message>
        <source>Platform address</source>
        <translation>平台地址</translation>
    </message>
    <message>
        <source>Site code</source>
        <translation>站点编码</translation>
    </message>
    <message>
        <source>CA certificate</source>
        <translation>CA 证书</translation>
    </message>
    <message>
        <source>Secret key</source>
        <translation>密钥</translation>
    </message>
    <message>
        <source>empty: the system&apos;s certificates</source>
        <translation>留空：使用系统证书</translation>
    </message>
    <message>
        <source>Browse...</source>
        <translation>浏览……</translation>
    </message>
    <message>
        <source>Import key file...</source>
        <translation>导入密钥文件……</translation>
    </message>
    <message>
        <source>or paste the 64 hex characters here</source>
        <translation>或在此粘贴 64 位十六进制字符</translation>
    </message>
    <message>
        <source>Use pasted key</source>
        <translation>使用粘贴的密钥</translation>
    </message>
    <message>
        <source>Provincial platform</source>
        <translation>省级平台</translation>
    </message>
    <message>
        <source>Certificates (*.pem *.crt);;All (*)</source>
        <translation>证书 (*.pem *.crt);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Checking...</source>
        <translation>正在检查……</translation>
    </message>
    <message>
        <source>Found.</source>
        <translation>已找到。</translation>
    </message>
    <message>
        <source>File not found: {path}</source>
        <translation>找不到文件：{path}</translation>
    </message>
    <message>
        <source>Key file</source>
        <translation>密钥文件</translation>
    </message>
    <message>
        <source>Reading {path}...</source>
        <translation>正在读取 {path}……</translation>
    </message>
    <message>
        <source>Cannot read {path}: {error}</source>
        <translation>无法读取 {path}：{error}</translation>
    </message>
    <message>
        <source>That is not a key: it must be 64 hex characters (0-9, a-f).</source>
        <translation>这不是密钥：密钥必须是 64 位十六进制字符（0-9、a-f）。</translation>
    </message>
    <message>
        <source>That is not a key: it must be 64 hex characters (0-9, a-f); it has {n} characters or characters that are not hex.</source>
        <translation>这不是密钥：密钥必须是 64 位十六进制字符（0-9、a-f）；输入的内容有 {n} 个字符，或含有非十六进制字符。</translation>
    </message>
    <message>
        <source>Key accepted (not shown). At Finish it is saved to {path}, readable by this account only.</source>
        <translation>密钥已接受（不显示）。点击“完成”时将保存到 {path}，仅本账户可读。</translation>
    </message>
    <message>
        <source>No key yet.</source>
        <translation>尚无密钥。</translation>
    </message>
    <message>
        <source>The site code must be the station&apos;s own code {code} (or left empty).</source>
        <translation>站点编码必须与本站编码 {code} 相同（或留空）。</translation>
    </message>
    <message>
        <source>Press Enter or &apos;Use pasted key&apos; to check the pasted key.</source>
        <translation>请按回车键或点击“使用粘贴的密钥”来检查粘贴的密钥。</translation>
    </message>
    <message>
        <source>Checking the CA certificate file...</source>
        <translation>正在检查 CA 证书文件……</translation>
    </message>
    <message>
        <source>The CA certificate file was not found.</source>
        <translation>找不到 CA 证书文件。</translation>
    </message>
    <message>
        <source>Enter the platform&apos;s address, or switch the upload off.</source>
        <translation>请填写平台地址，或关闭上传。</translation>
    </message>
    <message>
        <source>{url} is not allowed: the address must start with https:// (plain http:// only to this computer).</source>
        <translation>不允许使用 {url}：地址必须以 https:// 开头（仅本机地址可用 http://）。</translation>
    </message>
    <message>
        <source>The upload to the province is off.</source>
        <translation>未开启向省级平台上传。</translation>
    </message>
    <message>
        <source>No secret key: the upload refuses to run until one is set.</source>
        <translation>没有密钥：在配置密钥之前，上传不会运行。</translation>
    </message>
</context>
<context>
    <name>Reader</name>
    <message>
        <source>This scale cannot be read from here; type the reading.</source>
        <translation>本机无法读取该秤台，请手工输入示值。</translation>
    </message>
</context>
<context>
    <name>RecordDetailDialog</name>
    <message>
        <source>Weighing {check_no}</source>
        <translation>称重记录 {check_no}</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>Weighing</source>
        <translation>称重信息</translation>
    </message>
    <message>
        <source>Ticket no.</source>
        <translation>检测单号</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Station</source>
        <translation>检测站</translation>
    </message>
    <message>
        <source>Lane / direction</source>
        <translation>车道 / 方向</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Plate</source>
        <translation>车牌</translation>
    </message>
    <message>
        <source>Axle type</source>
        <translation>轴型</translation>
    </message>
    <message>
        <source>Limit rule</source>
        <translation>限值依据</translation>
    </message>
    <message>
        <source>Adjustments</source>
        <translation>限值调整</translation>
    </message>
    <message>
        <source>Weighing mode</source>
        <translation>称重方式</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>车速</translation>
    </message>
    <message>
        <source>Scale</source>
        <translation>秤台</translation>
    </message>
    <message>
        <source>Certificate</source>
        <translation>检定证书</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>操作员</translation>
    </message>
    <message>
        <source>Verdict</source>
        <translation>判定</translation>
    </message>
    <message>
        <source>Gross</source>
        <translation>总重</translation>
    </message>
    <message>
        <source>Limit</source>
        <translation>限值</translation>
    </message>
    <message>
        <source>Over</source>
        <translation>超限量</translation>
    </message>
    <message>
        <source>Over rate</source>
        <translation>超限率</translation>
    </message>
    <message>
        <source>Flags</source>
        <translation>异常标记</translation>
    </message>
    <message>
        <source>Hash chain</source>
        <translation>哈希链</translation>
    </message>
    <message>
        <source>Enforcement case</source>
        <translation>执法案件</translation>
    </message>
    <message>
        <source>Notice no.</source>
        <translation>通知书编号</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Opened</source>
        <translation>立案时间</translation>
    </message>
    <message>
        <source>Unload by</source>
        <translation>卸载期限</translation>
    </message>
    <message>
        <source>To unload</source>
        <translation>应卸载</translation>
    </message>
    <message>
        <source>Re-weighings</source>
        <translation>复检</translation>
    </message>
    <message>
        <source>Axles</source>
        <translation>轴</translation>
    </message>
    <message>
        <source>Axle</source>
        <translation>轴</translation>
    </message>
    <message>
        <source>Weight (kg)</source>
        <translation>重量 (kg)</translation>
    </message>
    <message>
        <source>Group</source>
        <translation>轴组</translation>
    </message>
    <message>
        <source>Spacing (mm)</source>
        <translation>轴距 (mm)</translation>
    </message>
    <message>
        <source>Raw trace</source>
        <translation>原始波形</translation>
    </message>
    <message>
        <source>Pictures</source>
        <translation>图片</translation>
    </message>
    <message>
        <source>Print ticket</source>
        <translation>打印检测单</translation>
    </message>
    <message>
        <source>Print unload notice</source>
        <translation>打印卸载通知书</translation>
    </message>
    <message>
        <source>Void...</source>
        <translation>作废…</translation>
    </message>
    <message>
        <source>Withdraw this weighing (supervisor): a VOID record, never a deletion</source>
        <translation>作废本次称重（站长）：新增一条作废记录，原记录不删除</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Could not load the weighing: {error}</source>
        <translation>无法加载称重记录：{error}</translation>
    </message>
    <message>
        <source>There is no weighing {check_no} in this station.</source>
        <translation>本站没有称重记录 {check_no}。</translation>
    </message>
    <message>
        <source>lane {lane}, direction {direction}</source>
        <translation>车道 {lane}，方向 {direction}</translation>
    </message>
    <message>
        <source>{plate} ({colour}, {source})</source>
        <translation>{plate}（{colour}，{source}）</translation>
    </message>
    <message>
        <source>{speed} km/h</source>
        <translation>{speed} km/h</translation>
    </message>
    <message>
        <source>Re-weighing of {first}</source>
        <translation>{first} 的复检</translation>
    </message>
    <message>
        <source>{scale}, calibration counter {counter}</source>
        <translation>{scale}，标定计数 {counter}</translation>
    </message>
    <message>
        <source>{cert} valid until {date}</source>
        <translation>{cert}，有效期至 {date}</translation>
    </message>
    <message>
        <source>{kg} kg</source>
        <translation>{kg} kg</translation>
    </message>
    <message>
        <source>OVER THE LIMIT by {kg} kg ({rate} %)</source>
        <translation>超限 {kg} kg（{rate} %）</translation>
    </message>
    <message>
        <source>Within the limit</source>
        <translation>未超限</translation>
    </message>
    <message>
        <source>VOIDED: {reason}</source>
        <translation>已作废：{reason}</translation>
    </message>
    <message>
        <source>✓ intact (record {seq})</source>
        <translation>✓ 完整（记录 {seq}）</translation>
    </message>
    <message>
        <source>✗ {problem}</source>
        <translation>✗ {problem}</translation>
    </message>
    <message>
        <source>{deadline} ({left})</source>
        <translation>{deadline}（{left}）</translation>
    </message>
    <message>
        <source>No pictures</source>
        <translation>无图片</translation>
    </message>
    <message>
        <source>Ticket printed {n}×; the next one is a copy</source>
        <translation>检测单已打印 {n} 次；再次打印为副本</translation>
    </message>
    <message>
        <source>Ticket not printed yet</source>
        <translation>检测单尚未打印</translation>
    </message>
    <message>
        <source>Unload notice printed {n}×; the next one is a copy</source>
        <translation>卸载通知书已打印 {n} 次；再次打印为副本</translation>
    </message>
    <message>
        <source>Unload notice not printed yet</source>
        <translation>卸载通知书尚未打印</translation>
    </message>
    <message>
        <source>Void {check_no}</source>
        <translation>作废 {check_no}</translation>
    </message>
    <message>
        <source>Why is this weighing withdrawn? (kept in the chain and sent to the province)</source>
        <translation>作废原因（保存在哈希链中并上传省级平台）</translation>
    </message>
    <message>
        <source>A void needs a reason.</source>
        <translation>作废必须填写原因。</translation>
    </message>
    <message>
        <source>Not voided</source>
        <translation>未作废</translation>
    </message>
</context>
<context>
    <name>RecordTexts</name>
    <message>
        <source>speed changed</source>
        <translation>变速</translation>
    </message>
    <message>
        <source>stopped on the scale</source>
        <translation>秤上停车</translation>
    </message>
    <message>
        <source>reversed</source>
        <translation>倒车</translation>
    </message>
    <message>
        <source>following vehicle</source>
        <translation>跟车</translation>
    </message>
    <message>
        <source>two vehicles</source>
        <translation>两车同秤</translation>
    </message>
    <message>
        <source>partly on the platform</source>
        <translation>未完全上秤</translation>
    </message>
    <message>
        <source>no return to zero</source>
        <translation>未回零</translation>
    </message>
    <message>
        <source>unstable</source>
        <translation>不稳定</translation>
    </message>
    <message>
        <source>no certificate</source>
        <translation>无检定证书</translation>
    </message>
    <message>
        <source>certificate expired</source>
        <translation>检定证书过期</translation>
    </message>
    <message>
        <source>no daily scale check</source>
        <translation>未做当日校秤</translation>
    </message>
    <message>
        <source>calibration seal open</source>
        <translation>标定铅封已打开</translation>
    </message>
    <message>
        <source>calibration changed while weighing</source>
        <translation>称重期间标定系数已变更</translation>
    </message>
    <message>
        <source>axles assumed</source>
        <translation>轴型为推定</translation>
    </message>
    <message>
        <source>watchlist</source>
        <translation>布控车辆</translation>
    </message>
    <message>
        <source>no plate</source>
        <translation>无车牌</translation>
    </message>
    <message>
        <source>plate typed</source>
        <translation>手工输入车牌</translation>
    </message>
    <message>
        <source>weight typed</source>
        <translation>手工输入重量</translation>
    </message>
    <message>
        <source>Re-weigh</source>
        <translation>复检</translation>
    </message>
    <message>
        <source>First</source>
        <translation>初检</translation>
    </message>
    <message>
        <source>Re-weighing</source>
        <translation>复检</translation>
    </message>
    <message>
        <source>First weighing</source>
        <translation>初检</translation>
    </message>
    <message>
        <source>Closed: {result}</source>
        <translation>已结案：{result}</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>未结案</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已结案</translation>
    </message>
    <message>
        <source>Voided</source>
        <translation>已作废</translation>
    </message>
    <message>
        <source>unloaded</source>
        <translation>已卸载</translation>
    </message>
    <message>
        <source>not over the limit</source>
        <translation>未超限</translation>
    </message>
    <message>
        <source>handed to the traffic police</source>
        <translation>移交公安交管</translation>
    </message>
    <message>
        <source>oversize permit</source>
        <translation>持超限运输许可</translation>
    </message>
    <message>
        <source>absconded</source>
        <translation>驶离逃逸</translation>
    </message>
    <message>
        <source>blue</source>
        <translation>蓝</translation>
    </message>
    <message>
        <source>yellow</source>
        <translation>黄</translation>
    </message>
    <message>
        <source>black</source>
        <translation>黑</translation>
    </message>
    <message>
        <source>white</source>
        <translation>白</translation>
    </message>
    <message>
        <source>green</source>
        <translation>绿</translation>
    </message>
    <message>
        <source>yellow-green</source>
        <translation>黄绿</translation>
    </message>
    <message>
        <source>blue-white</source>
        <translation>蓝白</translation>
    </message>
    <message>
        <source>unknown colour</source>
        <translation>未知颜色</translation>
    </message>
    <message>
        <source>red</source>
        <translation>红</translation>
    </message>
    <message>
        <source>Plate</source>
        <translation>车牌</translation>
    </message>
    <message>
        <source>Front</source>
        <translation>车前</translation>
    </message>
    <message>
        <source>Rear</source>
        <translation>车后</translation>
    </message>
    <message>
        <source>Front side</source>
        <translation>前侧</translation>
    </message>
    <message>
        <source>Rear side</source>
        <translation>后侧</translation>
    </message>
    <message>
        <source>Panorama video</source>
        <translation>全景视频</translation>
    </message>
    <message>
        <source>Front video</source>
        <translation>车前视频</translation>
    </message>
    <message>
        <source>Rear video</source>
        <translation>车后视频</translation>
    </message>
    <message>
        <source>static platform</source>
        <translation>静态整车秤</translation>
    </message>
    <message>
        <source>axle scale</source>
        <translation>轴重秤</translation>
    </message>
    <message>
        <source>weigh-in-motion</source>
        <translation>动态称重</translation>
    </message>
    <message>
        <source>typed by the operator</source>
        <translation>操作员输入</translation>
    </message>
    <message>
        <source>read by the camera</source>
        <translation>相机识别</translation>
    </message>
    <message>
        <source>overdue by {h} h {m:02d} min</source>
        <translation>已逾期 {h} 小时 {m:02d} 分</translation>
    </message>
    <message>
        <source>{h} h {m:02d} min left</source>
        <translation>剩余 {h} 小时 {m:02d} 分</translation>
    </message>
</context>
<context>
    <name>RecordsModel</name>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Ticket no.</source>
        <translation>检测单号</translation>
    </message>
    <message>
        <source>Plate</source>
        <translation>车牌</translation>
    </message>
    <message>
        <source>Lane</source>
        <translation>车道</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Gross (kg)</source>
        <translation>总重 (kg)</translation>
    </message>
    <message>
        <source>Limit (kg)</source>
        <translation>限值 (kg)</translation>
    </message>
    <message>
        <source>Over (kg)</source>
        <translation>超限量 (kg)</translation>
    </message>
    <message>
        <source>Over (%)</source>
        <translation>超限率 (%)</translation>
    </message>
    <message>
        <source>Flags</source>
        <translation>异常标记</translation>
    </message>
    <message>
        <source>Case</source>
        <translation>案件</translation>
    </message>
    <message>
        <source>Voided</source>
        <translation>已作废</translation>
    </message>
    <message>
        <source>voided</source>
        <translation>已作废</translation>
    </message>
    <message>
        <source>Similar plate: one character differs from the search</source>
        <translation>相似车牌：与搜索内容有一个字符不同</translation>
    </message>
    <message>
        <source>This weighing was voided</source>
        <translation>该称重记录已作废</translation>
    </message>
</context>
<context>
    <name>RecordsView</name>
    <message>
        <source>Plate, e.g. 豫A12345</source>
        <translation>车牌，例如 豫A12345</translation>
    </message>
    <message>
        <source>Similar plates</source>
        <translation>相似车牌</translation>
    </message>
    <message>
        <source>Ignore spaces and case, and allow one misread character</source>
        <translation>忽略空格和大小写，并允许一个字符识别错误</translation>
    </message>
    <message>
        <source>Over the limit only</source>
        <translation>仅显示超限</translation>
    </message>
    <message>
        <source>Open cases only</source>
        <translation>仅显示未结案件</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>查询</translation>
    </message>
    <message>
        <source>Plate</source>
        <translation>车牌</translation>
    </message>
    <message>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <source>To</source>
        <translation>至</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>正在查询…</translation>
    </message>
    <message>
        <source>Only the newest {n} records are shown, {over} over the limit; narrow the search</source>
        <translation>仅显示最新的 {n} 条记录（超限 {over} 条）；请缩小查询范围</translation>
    </message>
    <message>
        <source>{n} records, {over} over the limit</source>
        <translation>共 {n} 条记录，超限 {over} 条</translation>
    </message>
    <message>
        <source>Search failed: {error}</source>
        <translation>查询失败：{error}</translation>
    </message>
</context>
<context>
    <name>RejectedModel</name>
    <message>
        <source>Seq</source>
        <translation>序号</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Check no.</source>
        <translation>检测单号</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>说明</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
</context>
<context>
    <name>RenewalForm</name>
    <message>
        <source>Record a certificate (a renewal or a correction)</source>
        <translation>登记检定证书（换证或更正）</translation>
    </message>
    <message>
        <source>Scanned copy…</source>
        <translation>扫描件…</translation>
    </message>
    <message>
        <source>Save certificate</source>
        <translation>保存证书</translation>
    </message>
    <message>
        <source>Scale</source>
        <translation>秤台</translation>
    </message>
    <message>
        <source>Certificate number</source>
        <translation>证书编号</translation>
    </message>
    <message>
        <source>Issuing institute</source>
        <translation>检定机构</translation>
    </message>
    <message>
        <source>Issued on</source>
        <translation>发证日期</translation>
    </message>
    <message>
        <source>Valid until</source>
        <translation>有效期至</translation>
    </message>
    <message>
        <source>Scanned certificate</source>
        <translation>证书扫描件</translation>
    </message>
    <message>
        <source>Scans (*.jpg *.jpeg *.png *.pdf)</source>
        <translation>扫描件 (*.jpg *.jpeg *.png *.pdf)</translation>
    </message>
    <message>
        <source>The scan must be a JPEG, PNG or PDF file.</source>
        <translation>扫描件必须是 JPEG、PNG 或 PDF 文件。</translation>
    </message>
    <message>
        <source>Certificate of {scale} saved.</source>
        <translation>{scale} 的检定证书已保存。</translation>
    </message>
</context>
<context>
    <name>ResultsPage</name>
    <message>
        <source>Test</source>
        <translation>检定项目</translation>
    </message>
    <message>
        <source>Load (kg)</source>
        <translation>载荷 (kg)</translation>
    </message>
    <message>
        <source>Indication (kg)</source>
        <translation>示值 (kg)</translation>
    </message>
    <message>
        <source>Error (kg)</source>
        <translation>误差 (kg)</translation>
    </message>
    <message>
        <source>MPE (kg)</source>
        <translation>最大允许误差 (kg)</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结论</translation>
    </message>
    <message>
        <source>Adjust the scale: open the seal, change the coefficients, test again as left</source>
        <translation>调整秤台：打开铅封、修改系数，然后重新检定（调整后）</translation>
    </message>
    <message>
        <source>Finish without adjusting</source>
        <translation>不调整，直接结束</translation>
    </message>
    <message>
        <source>As found</source>
        <translation>调整前</translation>
    </message>
    <message>
        <source>As left</source>
        <translation>调整后</translation>
    </message>
    <message>
        <source>{phase}: {failed} of {total} points fail</source>
        <translation>{phase}：{total} 个检定点中 {failed} 个不合格</translation>
    </message>
    <message>
        <source>{phase}: all {total} points pass</source>
        <translation>{phase}：全部 {total} 个检定点合格</translation>
    </message>
</context>
<context>
    <name>ScaleCheckDialog</name>
    <message>
        <source>Daily scale check</source>
        <translation>每日秤台检查</translation>
    </message>
    <message>
        <source>Weigh a known vehicle or test weights (0 kg: the empty platform, the zero check) and type what the scale shows. The tolerance is the in-service maximum permissible error at that load.</source>
        <translation>称量已知质量的车辆或砝码（0 kg 为空秤零点检查），输入秤的示值。允差为该载荷下使用中检验的最大允许误差。</translation>
    </message>
    <message>
        <source>Scale</source>
        <translation>秤台</translation>
    </message>
    <message>
        <source>Reference (kg)</source>
        <translation>参考质量（kg）</translation>
    </message>
    <message>
        <source>Reading (kg)</source>
        <translation>示值（kg）</translation>
    </message>
    <message>
        <source>No scale is configured.</source>
        <translation>未配置秤台。</translation>
    </message>
    <message>
        <source>passed</source>
        <translation>合格</translation>
    </message>
    <message>
        <source>FAILED</source>
        <translation>不合格</translation>
    </message>
    <message>
        <source>{scale}: error {error:+d} kg, tolerance ±{tolerance} kg: {verdict}. Saved.</source>
        <translation>{scale}：误差 {error:+d} kg，允差 ±{tolerance} kg：{verdict}。已保存。</translation>
    </message>
</context>
<context>
    <name>ScalePage</name>
    <message>
        <source>Static scale (class III, test weights)</source>
        <translation>静态秤（III 级，标准砝码）</translation>
    </message>
    <message>
        <source>Dynamic axle scale (reference vehicle)</source>
        <translation>动态轴重秤（参考车辆）</translation>
    </message>
    <message>
        <source>Initial or subsequent verification</source>
        <translation>首次检定或后续检定</translation>
    </message>
    <message>
        <source>In service (2 × MPE)</source>
        <translation>使用中检验（2 × 最大允许误差）</translation>
    </message>
    <message>
        <source>Calibration history...</source>
        <translation>标定历史...</translation>
    </message>
    <message>
        <source>Scale</source>
        <translation>秤台</translation>
    </message>
    <message>
        <source>Procedure</source>
        <translation>检定方法</translation>
    </message>
    <message>
        <source>Verification</source>
        <translation>检定类别</translation>
    </message>
    <message>
        <source>No scale is registered at this station.</source>
        <translation>本站尚未登记秤台。</translation>
    </message>
    <message>
        <source>Reading the scale...</source>
        <translation>正在读取秤台信息...</translation>
    </message>
    <message>
        <source>none recorded</source>
        <translation>无记录</translation>
    </message>
    <message>
        <source>{number}, valid until {until}</source>
        <translation>{number}，有效期至 {until}</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>型号</translation>
    </message>
    <message>
        <source>Serial no.</source>
        <translation>出厂编号</translation>
    </message>
    <message>
        <source>Max</source>
        <translation>最大秤量 Max</translation>
    </message>
    <message>
        <source>e</source>
        <translation>检定分度值 e</translation>
    </message>
    <message>
        <source>n = Max / e</source>
        <translation>n = Max / e</translation>
    </message>
    <message>
        <source>Accuracy class</source>
        <translation>准确度等级</translation>
    </message>
    <message>
        <source>Certificate</source>
        <translation>检定证书</translation>
    </message>
    <message>
        <source>Calibration counter</source>
        <translation>标定计数器</translation>
    </message>
    <message>
        <source>Seal</source>
        <translation>铅封</translation>
    </message>
    <message>
        <source>OPEN</source>
        <translation>已打开</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>已封闭</translation>
    </message>
    <message>
        <source>Coefficients</source>
        <translation>标定系数</translation>
    </message>
    <message>
        <source>This scale cannot be verified as class III: {error}</source>
        <translation>该秤台不能按 III 级检定：{error}</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Station settings</source>
        <translation>站点设置</translation>
    </message>
    <message>
        <source>Changing the station settings needs the administrator role.</source>
        <translation>修改站点设置需要管理员角色。</translation>
    </message>
    <message>
        <source>Configuration file</source>
        <translation>配置文件</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>概要</translation>
    </message>
    <message>
        <source>File: {path}</source>
        <translation>文件：{path}</translation>
    </message>
    <message>
        <source>Reading the file…</source>
        <translation>正在读取文件…</translation>
    </message>
    <message>
        <source>Validate</source>
        <translation>校验</translation>
    </message>
    <message>
        <source>Station code</source>
        <translation>站点编号</translation>
    </message>
    <message>
        <source>Station name</source>
        <translation>站点名称</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Database</source>
        <translation>数据库</translation>
    </message>
    <message>
        <source>Province upload</source>
        <translation>省级平台上传</translation>
    </message>
    <message>
        <source>Lane / device</source>
        <translation>车道 / 设备</translation>
    </message>
    <message>
        <source>Mode / kind</source>
        <translation>方式 / 类型</translation>
    </message>
    <message>
        <source>Driver</source>
        <translation>驱动</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>Simulated</source>
        <translation>模拟</translation>
    </message>
    <message>
        <source>Signed out: the settings can no longer be saved.</source>
        <translation>已退出登录：设置无法再保存。</translation>
    </message>
    <message>
        <source>Edit the text, then Validate or Save.</source>
        <translation>编辑文本后，点击校验或保存。</translation>
    </message>
    <message>
        <source>{path} does not exist yet. Below is the commented demo configuration (simulated devices): edit it and save to create the file.</source>
        <translation>{path} 尚不存在。下面是带注释的演示配置（模拟设备）：编辑后保存即可创建该文件。</translation>
    </message>
    <message>
        <source>Cannot read {path}: {error}</source>
        <translation>无法读取 {path}：{error}</translation>
    </message>
    <message>
        <source>Valid: the station can start with this configuration.</source>
        <translation>校验通过：本站可以使用此配置启动。</translation>
    </message>
    <message>
        <source>Validation failed: {error}</source>
        <translation>校验失败：{error}</translation>
    </message>
    <message>
        <source>The text has errors; this summary is of the last valid version.</source>
        <translation>文本有错误；此概要对应最后一个有效版本。</translation>
    </message>
    <message>
        <source>Line {line}: {key}: {problem}</source>
        <translation>第 {line} 行：{key}：{problem}</translation>
    </message>
    <message>
        <source>(file)</source>
        <translation>（文件）</translation>
    </message>
    <message>
        <source>Allowed: {allowed}</source>
        <translation>允许值：{allowed}</translation>
    </message>
    <message>
        <source>In {path}</source>
        <translation>位于 {path}</translation>
    </message>
    <message>
        <source>Summary of the text as it was last validated.</source>
        <translation>按最后一次校验的文本生成的概要。</translation>
    </message>
    <message>
        <source>{url}, daily at {time}</source>
        <translation>{url}，每日 {time}</translation>
    </message>
    <message>
        <source>not configured</source>
        <translation>未配置</translation>
    </message>
    <message>
        <source>Lane {number}: {name}</source>
        <translation>车道 {number}：{name}</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <source>Saved {path}; the previous version is kept as {backup}.</source>
        <translation>已保存 {path}；上一版本保留为 {backup}。</translation>
    </message>
    <message>
        <source>Lanes or devices changed: restart the station for them to take effect.</source>
        <translation>车道或设备已更改：重启本站后生效。</translation>
    </message>
    <message>
        <source>The station reads its settings at start: restart it to apply them.</source>
        <translation>本站在启动时读取设置：请重启以应用。</translation>
    </message>
    <message>
        <source>Not saved: the file is unchanged.</source>
        <translation>未保存：文件未改动。</translation>
    </message>
    <message>
        <source>Not saved: {error}</source>
        <translation>未保存：{error}</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>未保存的更改</translation>
    </message>
    <message>
        <source>The configuration has unsaved changes. Close and discard them?</source>
        <translation>配置有未保存的更改。关闭并放弃这些更改吗？</translation>
    </message>
</context>
<context>
    <name>StationPage</name>
    <message>
        <source>The station code is the one in the province&apos;s station list: the 6-digit administrative division code, then 21, then the 4-digit station number. It is on every record and upload.</source>
        <translation>检测站编码以省级检测站名录为准：6 位行政区划代码，加“21”，再加 4 位站点序号。每条检测记录和每次上传都带有该编码。</translation>
    </message>
    <message>
        <source>e.g. Zhengzhou East overload detection station</source>
        <translation>例如：郑州东超限检测站</translation>
    </message>
    <message>
        <source>Browse...</source>
        <translation>浏览……</translation>
    </message>
    <message>
        <source>Station code</source>
        <translation>检测站编码</translation>
    </message>
    <message>
        <source>Station name</source>
        <translation>检测站名称</translation>
    </message>
    <message>
        <source>Data folder</source>
        <translation>数据目录</translation>
    </message>
    <message>
        <source>The data folder holds the database, the pictures, the documents and the province&apos;s key. The configuration is saved to {path}.</source>
        <translation>数据目录存放数据库、图片、文书和省级平台密钥。配置文件将保存到 {path}。</translation>
    </message>
    <message>
        <source>Station</source>
        <translation>检测站</translation>
    </message>
    <message>
        <source>Enter the station code.</source>
        <translation>请填写检测站编码。</translation>
    </message>
    <message>
        <source>{code} is not a station code: 12 digits, the 6-digit division code, then 21, then the 4-digit station number (e.g. 410102210001).</source>
        <translation>{code} 不是有效的检测站编码：应为 12 位数字，即 6 位行政区划代码、“21”和 4 位站点序号（例如 410102210001）。</translation>
    </message>
    <message>
        <source>Enter the station name.</source>
        <translation>请填写检测站名称。</translation>
    </message>
    <message>
        <source>The data folder must be a full path, e.g. {example}.</source>
        <translation>数据目录必须是完整路径，例如 {example}。</translation>
    </message>
</context>
<context>
    <name>SummaryPage</name>
    <message>
        <source>Check what will be written. Finish saves it and starts the desktop.</source>
        <translation>请核对将要写入的内容。点击“完成”后保存并启动工作站。</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>汇总</translation>
    </message>
    <message>
        <source>Configuration file</source>
        <translation>配置文件</translation>
    </message>
    <message>
        <source>Data folder</source>
        <translation>数据目录</translation>
    </message>
    <message>
        <source>Station</source>
        <translation>检测站</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Lane {n}</source>
        <translation>{n}号车道</translation>
    </message>
    <message>
        <source>Provincial platform</source>
        <translation>省级平台</translation>
    </message>
    <message>
        <source>Administrator</source>
        <translation>系统管理员</translation>
    </message>
    <message>
        <source>Login</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>set (not shown)</source>
        <translation>已设置（不显示）</translation>
    </message>
    <message>
        <source>Warnings</source>
        <translation>注意事项</translation>
    </message>
    <message>
        <source>not tested (no test for this driver)</source>
        <translation>未测试（该驱动无测试）</translation>
    </message>
    <message>
        <source>not tested</source>
        <translation>未测试</translation>
    </message>
    <message>
        <source>{kind}, driver {driver}, {port}: {result}</source>
        <translation>{kind}，驱动 {driver}，{port}：{result}</translation>
    </message>
    <message>
        <source>Upload</source>
        <translation>上传</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>saved to {path} at Finish (not shown)</source>
        <translation>点击“完成”时保存到 {path}（不显示）</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Platform address</source>
        <translation>平台地址</translation>
    </message>
    <message>
        <source>Site code</source>
        <translation>站点编码</translation>
    </message>
    <message>
        <source>CA certificate</source>
        <translation>CA 证书</translation>
    </message>
    <message>
        <source>the system&apos;s certificates</source>
        <translation>系统证书</translation>
    </message>
    <message>
        <source>Secret key</source>
        <translation>密钥</translation>
    </message>
</context>
<context>
    <name>TestPage</name>
    <message>
        <source>Empty platform. The indication at no load must be within ±{limit} kg (0.25 e).</source>
        <translation>秤台空载。空载示值应在 ±{limit} kg（0.25 e）以内。</translation>
    </message>
    <message>
        <source>Put the span test load on the platform (Max by default; change it if your weights are fewer) and read the indication.</source>
        <translation>将量程检定载荷放上秤台（默认为 Max；砝码不足时可修改），然后读取示值。</translation>
    </message>
    <message>
        <source>Load from zero up to Max and back down, at least {n} points (Min, 500 e, 2000 e, 50 % Max, Max). Clear the load between points; do not stack.</source>
        <translation>从零加载至 Max 再卸载回零，至少 {n} 个检定点（Min、500 e、2000 e、50 % Max、Max）。各点之间清空载荷，不得连续叠加。</translation>
    </message>
    <message>
        <source>Put the eccentric test load over each support in turn, one reading per support.</source>
        <translation>将偏载检定载荷依次放在每个支点上方，每个支点读数一次。</translation>
    </message>
    <message>
        <source>Weigh the same load at least {n} times. Every reading within the MPE, and the spread of the readings at most |MPE|.</source>
        <translation>同一载荷至少称量 {n} 次。每次示值均在最大允许误差以内，且示值之差不大于 |最大允许误差|。</translation>
    </message>
    <message>
        <source>At each load read the indication, then gently add {extra} kg (1.4 d) and read again: the indication must change.</source>
        <translation>在每个载荷下读取示值，然后轻缓加放 {extra} kg（1.4 d）再读数：示值必须改变。</translation>
    </message>
    <message>
        <source>loads in kg, separated by commas</source>
        <translation>载荷 (kg)，用逗号分隔</translation>
    </message>
    <message>
        <source>Use these loads</source>
        <translation>使用这些载荷</translation>
    </message>
    <message>
        <source>Loads (kg)</source>
        <translation>载荷 (kg)</translation>
    </message>
    <message>
        <source>Number of supports</source>
        <translation>支点数</translation>
    </message>
    <message>
        <source>Use this load</source>
        <translation>使用该载荷</translation>
    </message>
    <message>
        <source>Load</source>
        <translation>载荷</translation>
    </message>
    <message>
        <source>Readings</source>
        <translation>读数次数</translation>
    </message>
    <message>
        <source>Give at least {n} different loads in whole kg, each above 0 and at most Max ({max} kg).</source>
        <translation>请至少给出 {n} 个不同的整数公斤载荷，每个大于 0 且不超过 Max（{max} kg）。</translation>
    </message>
    <message>
        <source>Load per support: {load} kg (about Max / (N − 1), at least 1/3 Max)</source>
        <translation>每个支点载荷：{load} kg（约 Max / (N − 1)，不小于 1/3 Max）</translation>
    </message>
    <message>
        <source>{done} of {total} readings; {failed} failed</source>
        <translation>已读 {done}/{total} 个；{failed} 个不合格</translation>
    </message>
    <message>
        <source>spread {spread} kg, |MPE| {mpe} kg: {verdict}</source>
        <translation>示值之差 {spread} kg，|最大允许误差| {mpe} kg：{verdict}</translation>
    </message>
</context>
<context>
    <name>Thumbnail</name>
    <message>
        <source>missing</source>
        <translation>缺失</translation>
    </message>
    <message>
        <source>unreadable</source>
        <translation>无法读取</translation>
    </message>
    <message>
        <source>Double-click to enlarge</source>
        <translation>双击放大</translation>
    </message>
    <message>
        <source>Picture</source>
        <translation>图片</translation>
    </message>
</context>
<context>
    <name>TracePlot</name>
    <message>
        <source>Weight (kg)</source>
        <translation>重量 (kg)</translation>
    </message>
    <message>
        <source>Replay</source>
        <translation>回放</translation>
    </message>
    <message>
        <source>Time (s)</source>
        <translation>时间 (秒)</translation>
    </message>
    <message>
        <source>Sample</source>
        <translation>采样点</translation>
    </message>
    <message>
        <source>{n} samples, peak {peak} kg</source>
        <translation>{n} 个采样点，峰值 {peak} kg</translation>
    </message>
    <message>
        <source>No raw trace stored for this weighing</source>
        <translation>本次称重未保存原始波形</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>t = {t:.2f} s   {kg} kg</source>
        <translation>t = {t:.2f} 秒   {kg} kg</translation>
    </message>
</context>
<context>
    <name>UploadTexts</name>
    <message>
        <source>complete</source>
        <translation>完整</translation>
    </message>
    <message>
        <source>incomplete</source>
        <translation>不完整</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>running</source>
        <translation>进行中</translation>
    </message>
    <message>
        <source>interrupted</source>
        <translation>已中断</translation>
    </message>
    <message>
        <source>upload now</source>
        <translation>立即上传</translation>
    </message>
    <message>
        <source>nightly</source>
        <translation>夜间定时</translation>
    </message>
    <message>
        <source>command line</source>
        <translation>命令行</translation>
    </message>
    <message>
        <source>Sending records</source>
        <translation>正在发送检测记录</translation>
    </message>
    <message>
        <source>Sending pictures</source>
        <translation>正在发送图片</translation>
    </message>
    <message>
        <source>Declaring the daily manifest</source>
        <translation>正在报送日清单</translation>
    </message>
    <message>
        <source>Fetching the watchlist</source>
        <translation>正在获取布控名单</translation>
    </message>
    <message>
        <source>Sending the heartbeat</source>
        <translation>正在发送心跳</translation>
    </message>
    <message>
        <source>weighing</source>
        <translation>检测</translation>
    </message>
    <message>
        <source>case closed</source>
        <translation>结案</translation>
    </message>
    <message>
        <source>void</source>
        <translation>作废</translation>
    </message>
    <message>
        <source>The station clock is {n} s ahead of the provincial platform; set the clock.</source>
        <translation>本站时钟比省级平台快 {n} 秒，请校准时钟。</translation>
    </message>
    <message>
        <source>The station clock is {n} s behind the provincial platform; set the clock.</source>
        <translation>本站时钟比省级平台慢 {n} 秒，请校准时钟。</translation>
    </message>
</context>
<context>
    <name>UploadView</name>
    <message>
        <source>Province upload</source>
        <translation>省级平台上传</translation>
    </message>
    <message>
        <source>Records waiting</source>
        <translation>待上传记录</translation>
    </message>
    <message>
        <source>Oldest waiting since</source>
        <translation>最早待上传时间</translation>
    </message>
    <message>
        <source>Rejected records</source>
        <translation>被拒绝记录</translation>
    </message>
    <message>
        <source>Last upload</source>
        <translation>上次上传</translation>
    </message>
    <message>
        <source>Result of the last upload</source>
        <translation>上次上传结果</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Upload now</source>
        <translation>立即上传</translation>
    </message>
    <message>
        <source>Recent upload passes</source>
        <translation>最近的上传</translation>
    </message>
    <message>
        <source>Records rejected by the province (for the supervisor)</source>
        <translation>被省级平台拒绝的记录（由站长处理）</translation>
    </message>
    <message>
        <source>Configured: {url}, daily at {time}</source>
        <translation>已配置：{url}，每日 {time}</translation>
    </message>
    <message>
        <source>Not configured ([province] url is empty in the settings)</source>
        <translation>未配置（设置中 [province] url 为空）</translation>
    </message>
    <message>
        <source>The province upload is not configured</source>
        <translation>省级平台上传尚未配置</translation>
    </message>
    <message>
        <source>Your role may not start an upload</source>
        <translation>您的角色无权启动上传</translation>
    </message>
    <message>
        <source>An upload pass is running</source>
        <translation>上传正在进行</translation>
    </message>
    <message>
        <source>Send everything waiting to the province now</source>
        <translation>立即将全部待传数据发送到省级平台</translation>
    </message>
    <message>
        <source>Starting the upload…</source>
        <translation>正在开始上传…</translation>
    </message>
    <message>
        <source>The upload did not run: {error}</source>
        <translation>上传未能进行：{error}</translation>
    </message>
    <message>
        <source>Upload finished: {result}. Records sent {sent} (accepted {accepted}, duplicate {duplicate}, rejected {rejected}); pictures sent {pictures}; left pending {pending}.</source>
        <translation>上传结束：{result}。已发送记录 {sent} 条（接收 {accepted}，重复 {duplicate}，拒绝 {rejected}）；已发送图片 {pictures} 张；剩余待传 {pending} 条。</translation>
    </message>
    <message>
        <source>Error: {error}</source>
        <translation>错误：{error}</translation>
    </message>
    <message>
        <source>Warning: {warning}</source>
        <translation>警告：{warning}</translation>
    </message>
    <message>
        <source>Updated {time}</source>
        <translation>更新于 {time}</translation>
    </message>
    <message>
        <source>Cannot read the upload status: {error}</source>
        <translation>无法读取上传状态：{error}</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <source>manifest {status}</source>
        <translation>日清单{status}</translation>
    </message>
    <message>
        <source>nothing is waiting</source>
        <translation>无待上传数据</translation>
    </message>
    <message>
        <source>{time} ({age} ago)</source>
        <translation>{time}（{age}前）</translation>
    </message>
    <message>
        <source>{days} d {hours} h</source>
        <translation>{days} 天 {hours} 小时</translation>
    </message>
    <message>
        <source>{hours} h {minutes} min</source>
        <translation>{hours} 小时 {minutes} 分</translation>
    </message>
    <message>
        <source>{minutes} min</source>
        <translation>{minutes} 分钟</translation>
    </message>
    <message>
        <source>less than a minute</source>
        <translation>不到一分钟</translation>
    </message>
    <message>
        <source>Every record stays in the outbox until the province accepts it; the station keeps weighing without the network.</source>
        <translation>每条记录都保留在待发队列中，直到省级平台接收；断网时本站照常称重。</translation>
    </message>
    <message>
        <source>The province upload is not configured, so records wait here. An administrator sets [province] url in the settings.</source>
        <translation>省级平台上传尚未配置，记录在此等待。请管理员在设置中填写 [province] url。</translation>
    </message>
    <message>
        <source>Rejected by the province: {count}. A rejected record is not sent again unchanged: the supervisor has to look at it.</source>
        <translation>被省级平台拒绝：{count} 条。被拒绝的记录不会原样重发：需由站长处理。</translation>
    </message>
</context>
<context>
    <name>WeightsPage</name>
    <message>
        <source>Add weight set</source>
        <translation>添加砝码组</translation>
    </message>
    <message>
        <source>Remove selected</source>
        <translation>删除所选</translation>
    </message>
    <message>
        <source>Set</source>
        <translation>砝码组</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>等级</translation>
    </message>
    <message>
        <source>Certificate no.</source>
        <translation>证书编号</translation>
    </message>
    <message>
        <source>Valid until</source>
        <translation>有效期至</translation>
    </message>
    <message>
        <source>Weight set id</source>
        <translation>砝码组编号</translation>
    </message>
    <message>
        <source>Give the set id, its class and its certificate no.</source>
        <translation>请填写砝码组编号、等级和证书编号。</translation>
    </message>
    <message>
        <source>Refused: the certificate of set {set} expired on {day}.</source>
        <translation>拒绝：砝码组 {set} 的证书已于 {day} 过期。</translation>
    </message>
    <message>
        <source>Set {set} is already listed.</source>
        <translation>砝码组 {set} 已在列表中。</translation>
    </message>
</context>
<context>
    <name>_PasswordForm</name>
    <message>
        <source>Login</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Enter the login and the password.</source>
        <translation>请输入用户名和密码。</translation>
    </message>
    <message>
        <source>Checking...</source>
        <translation>正在验证…</translation>
    </message>
    <message>
        <source>Wrong login or password, or the account is locked.</source>
        <translation>用户名或密码错误，或账户已锁定。</translation>
    </message>
    <message>
        <source>Cannot check the password: {error}</source>
        <translation>无法验证密码：{error}</translation>
    </message>
</context>
<context>
    <name>dialog</name>
    <message>
        <source>First start: sign in as admin with the one-time password {password}</source>
        <translation>首次启动：请以 admin 和一次性密码 {password} 登录</translation>
    </message>
</context>
</TS>
