"""Photos, cards, whispers and answers to left messages (the release of 2026-12-02).

A database that release made before migrations existed already has all of this
(core/db.add_missing_columns added the columns, without their foreign keys):
handoff/core/migrate.py stamps it 0002 instead of running this.

Revision ID: 0002
Revises: 0001
Created: 2026-12-02 03:26:42.581126
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('attachments',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by', sa.String(length=8), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('return_id', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
    sa.ForeignKeyConstraint(['return_id'], ['shop_returns.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachments_return_id'), ['return_id'], unique=False)

    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cards', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('attachment_id', sa.String(length=32), nullable=True))
        batch_op.create_foreign_key('messages_attachment_id_fkey', 'attachments', ['attachment_id'], ['id'])

    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('whisper_to', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('notes_whisper_to_fkey', 'agents', ['whisper_to'], ['id'])

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wechat_user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('answer', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('answered_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('answered_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('answer_message_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sms_status', sa.String(length=8), nullable=True))
        batch_op.create_foreign_key('tickets_wechat_user_id_fkey', 'wechat_users', ['wechat_user_id'], ['id'])
        batch_op.create_foreign_key('tickets_answered_by_fkey', 'agents', ['answered_by'], ['id'])
        batch_op.create_foreign_key('tickets_answer_message_id_fkey', 'messages', ['answer_message_id'], ['id'])





def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        for column in ('answer_message_id', 'answered_by', 'wechat_user_id'):
            batch_op.drop_constraint(f'tickets_{column}_fkey', type_='foreignkey')
        for column in ('sms_status', 'answer_message_id', 'answered_by', 'answered_at', 'answer', 'wechat_user_id'):
            batch_op.drop_column(column)

    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.drop_constraint('notes_whisper_to_fkey', type_='foreignkey')
        batch_op.drop_column('whisper_to')

    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint('messages_attachment_id_fkey', type_='foreignkey')
        batch_op.drop_column('attachment_id')
        batch_op.drop_column('cards')

    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_return_id'))
        batch_op.drop_index(batch_op.f('ix_attachments_conversation_id'))

    op.drop_table('attachments')
