// 民情交办单 · 交办单列表: the strings of the search box, the sort, the pager and the
// ledger export (中文 and English).

import { addStrings } from "../../ui.js";

addStrings({
  zh: {
    "needs.q.label": "搜索",
    "needs.q.placeholder": "编号、标题、地址或来源编号",
    "needs.sort.label": "排序",
    "needs.sort.default": "默认（未办结在前，按截止日期）",
    "needs.sort.due": "截止日期",
    "needs.sort.priority": "优先级",
    "needs.sort.created": "登记时间",
    "needs.sort.status": "状态",
    "needs.sort.number": "编号",
    "needs.sort.by": "按{col}排序",
    "needs.order.label": "顺序",
    "needs.order.natural": "默认",
    "needs.order.asc": "升序",
    "needs.order.desc": "降序",
    "needs.pager.label": "翻页",
    "needs.pager.page": "页码",
    "needs.pager.before": "第",
    "needs.pager.after": "页 / 共 {pages} 页",
    "needs.pager.size": "每页条数",
    "needs.pager.sizeBefore": "每页",
    "needs.pager.sizeAfter": "条",
    "needs.pager.total": "共 {total} 条",
    "needs.ledger": "导出台账",
    "needs.ledger.done": "已导出台账：{name}",
  },
  en: {
    "needs.q.label": "Search",
    "needs.q.placeholder": "Number, title, address or source no.",
    "needs.sort.label": "Sort",
    "needs.sort.default": "Default (unfinished first, by due date)",
    "needs.sort.due": "Due date",
    "needs.sort.priority": "Priority",
    "needs.sort.created": "Entered",
    "needs.sort.status": "Status",
    "needs.sort.number": "Number",
    "needs.sort.by": "Sort by {col}",
    "needs.order.label": "Order",
    "needs.order.natural": "Default",
    "needs.order.asc": "Ascending",
    "needs.order.desc": "Descending",
    "needs.pager.label": "Pages",
    "needs.pager.page": "Page",
    "needs.pager.before": "Page",
    "needs.pager.after": "of {pages}",
    "needs.pager.size": "Rows per page",
    "needs.pager.sizeBefore": "",
    "needs.pager.sizeAfter": "per page",
    "needs.pager.total": "{total} in all",
    "needs.ledger": "Export ledger",
    "needs.ledger.done": "Ledger exported: {name}",
  },
});

addStrings({
  zh: { "needs.dlg.addUnit": "添加单位（输入名称搜索）", "needs.dlg.unpick": "移除 {name}" },
  en: { "needs.dlg.addUnit": "Add a unit (type to search)", "needs.dlg.unpick": "Remove {name}" },
});
