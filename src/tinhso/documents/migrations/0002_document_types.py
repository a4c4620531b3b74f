"""The administrative document types of NĐ 30/2020/NĐ-CP Art. 7 with the abbreviations of its Phụ lục III,
and the legal normative types (on their own number series, NĐ 30 Art. 15)."""

from django.db import migrations

# (code, name, abbreviation, normative)
TYPES = [
    ("nghi-quyet", "Nghị quyết (cá biệt)", "NQ", False),
    ("quyet-dinh", "Quyết định (cá biệt)", "QĐ", False),
    ("chi-thi", "Chỉ thị", "CT", False),
    ("quy-che", "Quy chế", "QC", False),
    ("quy-dinh", "Quy định", "QyĐ", False),
    ("thong-cao", "Thông cáo", "TC", False),
    ("thong-bao", "Thông báo", "TB", False),
    ("huong-dan", "Hướng dẫn", "HD", False),
    ("chuong-trinh", "Chương trình", "CTr", False),
    ("ke-hoach", "Kế hoạch", "KH", False),
    ("phuong-an", "Phương án", "PA", False),
    ("de-an", "Đề án", "ĐA", False),
    ("du-an", "Dự án", "DA", False),
    ("bao-cao", "Báo cáo", "BC", False),
    ("bien-ban", "Biên bản", "BB", False),
    ("to-trinh", "Tờ trình", "TTr", False),
    ("hop-dong", "Hợp đồng", "HĐ", False),
    ("cong-van", "Công văn", "", False),
    ("cong-dien", "Công điện", "CĐ", False),
    ("ban-ghi-nho", "Bản ghi nhớ", "BGN", False),
    ("ban-thoa-thuan", "Bản thỏa thuận", "BTT", False),
    ("giay-uy-quyen", "Giấy ủy quyền", "GUQ", False),
    ("giay-moi", "Giấy mời", "GM", False),
    ("giay-gioi-thieu", "Giấy giới thiệu", "GGT", False),
    ("giay-nghi-phep", "Giấy nghỉ phép", "GNP", False),
    ("phieu-gui", "Phiếu gửi", "PG", False),
    ("phieu-chuyen", "Phiếu chuyển", "PC", False),
    ("phieu-bao", "Phiếu báo", "PB", False),
    ("thu-cong", "Thư công", "", False),
    ("quyet-dinh-qppl", "Quyết định (quy phạm pháp luật)", "QĐ", True),
    ("nghi-quyet-qppl", "Nghị quyết (quy phạm pháp luật)", "NQ", True),
]


def seed(apps, schema_editor):
    DocumentType = apps.get_model("documents", "DocumentType")
    DocumentType.objects.bulk_create([
        DocumentType(code=code, name=name, abbreviation=abbreviation, normative=normative, order=i)
        for i, (code, name, abbreviation, normative) in enumerate(TYPES, start=1)
    ])


def unseed(apps, schema_editor):
    apps.get_model("documents", "DocumentType").objects.filter(code__in=[t[0] for t in TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
