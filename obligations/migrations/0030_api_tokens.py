"""ApiToken: a platform's key for another system (trust/api_tokens.py, docs/api.md); only a hash of its secret is kept."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('obligations', '0029_webhooks'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='名称')),
                ('prefix', models.CharField(max_length=16, verbose_name='令牌前缀')),
                ('secret_hash', models.CharField(max_length=64, unique=True, verbose_name='令牌哈希')),
                ('scopes', models.CharField(max_length=64, verbose_name='权限范围')),
                ('created_at', models.DateTimeField(verbose_name='创建时间')),
                ('expires_at', models.DateTimeField(verbose_name='过期时间')),
                ('last_used_at', models.DateTimeField(blank=True, null=True, verbose_name='最近使用时间')),
                ('revoked_at', models.DateTimeField(blank=True, null=True, verbose_name='撤销时间')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='创建人')),
                ('platform', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to='obligations.platform', verbose_name='平台')),
                ('revoked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='撤销人')),
            ],
            options={
                'verbose_name': '接口令牌',
                'verbose_name_plural': '接口令牌',
                'indexes': [models.Index(fields=['platform', 'created_at'], name='api_token_platform_created')],
                'constraints': [models.CheckConstraint(condition=models.Q(('expires_at__gt', models.F('created_at'))), name='api_token_expires_later')],
            },
        ),
    ]
