"""Urgency of reports that are not emergencies; tune here, not in the parser.

The kind of a report comes from the learned model and the safety rules (services/intake.py);
these patterns only decide whether a repair (or a fight) must be handled within hours.
"""

# Dangerous repairs (and fights) are urgent even though they are not emergencies.
URGENT_PATTERN = (
    "困在|困人|被困|关在?里面|冒水|往外冒|爆了|漏电|触电|危险|起火|(?<!不)着火|冒烟|火花|火星"
    "|焦味|煤气|燃气|塌|快来|赶紧|打起来|打架|流血|整栋|整个楼|全楼|一整天|几天.{0,4}没[水电暖]"
    "|没有?暖气|下不了楼|下不来|出不了门|污水.{0,6}(漫|淹|冒|溢)|淹了|灌进|往下流|哗哗"
)
# "不危险" / "没有危险" must not make a report urgent.
NOT_URGENT_PATTERN = "不危险|没有?危险|不着急|不急"
